"""Shared by the escape programs: each attempt prints CONTAINED or ESCAPED with what happened."""
import errno
import os
import sys


def contained(what, detail=""):
    print(f"CONTAINED {what}: {detail}", flush=True)


def escaped(what, detail=""):
    print(f"ESCAPED {what}: {detail}", flush=True)


def attempt(what, fn):
    """fn must fail for the sandbox to hold; its error is the proof."""
    try:
        result = fn()
    except OSError as err:
        contained(what, errno.errorcode.get(err.errno, str(err.errno)) if err.errno else str(err))
        return
    except Exception as err:  # a refusal that is not an OSError (e.g. socket.gaierror) still failed
        contained(what, f"{type(err).__name__}: {err}")
        return
    escaped(what, repr(result))


def interfaces():
    """Network interfaces, from the kernel's own list (works under gVisor too, which may lack /sys/class/net)."""
    import socket

    return sorted(name for _, name in socket.if_nameindex())


def routes():
    """Routes (or, where /proc/net/route is absent, interfaces) other than loopback; with any, the network programs send nothing."""
    try:
        with open("/proc/net/route") as f:
            lines = f.read().strip().split("\n")[1:]
        found = [line for line in lines if line.split()[0] != "lo"]
    except OSError:
        found = []
    return found + [f"interface {name}" for name in interfaces() if name != "lo"]


def require_no_routes(what):
    found = routes()
    if found:
        escaped(what, f"a network route exists, not trying further: {found}")
        sys.exit(0)
    contained(f"{what} (no route)", "only loopback")


def env(name):
    return os.environ[name]
