import ctypes
import ctypes.util
import os
from probe import attempt

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_INIT_MODULE, SYS_FINIT_MODULE, SYS_DELETE_MODULE = 175, 313, 176


def syscall(*args):
    def run():
        rc = libc.syscall(*args)
        if rc == -1:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return rc
    return run


image = b"\x7fELF" + b"\0" * 60
attempt("init_module", syscall(SYS_INIT_MODULE, image, len(image), b""))
fd = os.open("/code/probe.py", os.O_RDONLY)
attempt("finit_module", syscall(SYS_FINIT_MODULE, fd, b"", 0))
attempt("delete_module", syscall(SYS_DELETE_MODULE, b"overlay", 0))
attempt("write /proc/sys/kernel/modprobe", lambda: open("/proc/sys/kernel/modprobe", "w").write("/tmp/x"))
attempt("write /proc/sysrq-trigger", lambda: open("/proc/sysrq-trigger", "w").write("b"))
