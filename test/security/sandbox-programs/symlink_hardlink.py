import os
from probe import attempt, contained, escaped

# A symlink in /tmp to the code: writing through it still hits the read-only, root-owned file.
os.symlink("/code/probe.py", "/tmp/link")
attempt("write through a symlink to /code", lambda: open("/tmp/link", "w").write("x"))
os.symlink("/etc/shadow", "/tmp/shadow")
attempt("read /etc/shadow through a symlink", lambda: open("/tmp/shadow").read())
attempt("symlink inside /code", lambda: os.symlink("/etc/passwd", "/code/evil"))
attempt("hardlink the code into /tmp", lambda: os.link("/code/probe.py", "/tmp/hard"))
attempt("hardlink /etc/shadow into /tmp", lambda: os.link("/etc/shadow", "/tmp/shadow-hard"))
attempt("hardlink inside /code", lambda: os.link("/code/probe.py", "/code/hard"))
try:
    # pid 1 is the run itself (cold) or another user's idle process (warm): either way its root is the container's.
    host_root = os.readlink("/proc/1/root")
    (contained if host_root == "/" else escaped)("/proc/1/root", host_root)
except PermissionError as err:
    contained("/proc/1/root", err.strerror)
