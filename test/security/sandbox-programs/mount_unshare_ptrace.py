import ctypes
import ctypes.util
import os
import subprocess
from probe import attempt, contained, escaped

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def call(name, *args):
    def run():
        rc = getattr(libc, name)(*args)
        if rc != 0 and rc != -0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return rc
    return run


attempt("mount tmpfs", call("mount", b"none", b"/tmp", b"tmpfs", 0, None))
attempt("mount proc", call("mount", b"proc", b"/tmp", b"proc", 0, None))
CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000
attempt("unshare(user namespace)", call("unshare", CLONE_NEWUSER))
attempt("unshare(mount namespace)", call("unshare", CLONE_NEWNS))
attempt("unshare(net namespace)", call("unshare", CLONE_NEWNET))
result = subprocess.run(["unshare", "-U", "-r", "id", "-u"], capture_output=True, text=True)
(escaped if result.returncode == 0 and result.stdout.strip() == "0" else contained)("unshare -U -r", (result.stderr or result.stdout).strip()[:200])
PTRACE_ATTACH = 16
libc.ptrace.restype = ctypes.c_long
def ptrace_pid1():
    rc = libc.ptrace(PTRACE_ATTACH, 1, None, None)
    if rc == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return rc
attempt("ptrace pid 1", ptrace_pid1)
attempt("chroot", lambda: os.chroot("/tmp"))
