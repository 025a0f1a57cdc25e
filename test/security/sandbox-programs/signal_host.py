import os
import signal
from probe import contained, escaped


def visible():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())


def try_kill(what, pid):
    if pid in visible():
        # The same number inside the container's own PID namespace is one of its own processes, not the host's.
        contained(what, f"pid {pid} here is a process of the sandbox itself")
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as err:
        contained(what, err.strerror)
        return
    escaped(what, f"signal delivered to pid {pid}")


try_kill("kill the worker process", int(os.environ["HOST_PID"]))
try_kill("kill a host sentinel process", int(os.environ["SENTINEL_PID"]))
procs = visible()
(contained if len(procs) <= 3 else escaped)("processes visible", ",".join(map(str, procs)))
