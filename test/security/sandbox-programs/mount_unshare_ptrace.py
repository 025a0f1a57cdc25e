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
# gVisor runs its own kernel, which emulates namespaces: one created there never reaches the host's.
GVISOR = "gvisor" in open("/proc/version").read().lower()
CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000


def unshare_in_child(what, flag):
    """In a child, so capabilities gained in a new user namespace do not colour the later attempts."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        rc = libc.unshare(flag)
        os.write(w, str(0 if rc == 0 else ctypes.get_errno()).encode())
        os._exit(0)
    os.close(w)
    err = int(os.read(r, 32) or b"-1")
    os.waitpid(pid, 0)
    if err != 0:
        contained(what, os.strerror(err) if err > 0 else "child died")
    elif GVISOR:
        contained(what, "created inside gVisor's own kernel; the host's namespaces are untouched")
    else:
        escaped(what, "namespace created on the host kernel")


unshare_in_child("unshare(user namespace)", CLONE_NEWUSER)
unshare_in_child("unshare(mount namespace)", CLONE_NEWNS)
unshare_in_child("unshare(net namespace)", CLONE_NEWNET)
result = subprocess.run(["unshare", "-U", "-r", "id", "-u"], capture_output=True, text=True)
if result.returncode == 0 and result.stdout.strip() == "0":
    (contained if GVISOR else escaped)("unshare -U -r", "root only in a user namespace of gVisor's kernel" if GVISOR else "root in a new user namespace")
else:
    contained("unshare -U -r", (result.stderr or result.stdout).strip()[:200])
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
