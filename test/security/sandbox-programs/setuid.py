import os
import shutil
import subprocess
from probe import attempt, contained, escaped

attempt("setuid(0)", lambda: os.setuid(0))
attempt("setgid(0)", lambda: os.setgid(0))
# A setuid-root binary of the image: with no-new-privileges the kernel does not raise privileges on exec.
for binary in ["/usr/bin/su", "/usr/bin/newgrp", "/usr/bin/passwd", "/usr/bin/chsh", "/bin/mount"]:
    if os.path.exists(binary) and os.stat(binary).st_mode & 0o4000:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True).returncode
        status = open("/proc/self/status").read()
        contained(f"exec setuid {binary}", f"exit {out}, euid still {os.geteuid()}")
        break
else:
    contained("setuid binaries", "none in the image")
# A setuid copy made by the sandbox user: /tmp is nosuid and owned by nobody anyway.
shutil.copy("/usr/bin/id", "/tmp/id")
os.chmod("/tmp/id", 0o4755)
try:
    result = subprocess.run(["/tmp/id", "-u"], capture_output=True, text=True)
    (escaped if result.stdout.strip() == "0" else contained)("exec a setuid copy in /tmp", result.stdout.strip() or result.stderr.strip())
except OSError as err:
    contained("exec a setuid copy in /tmp", err.strerror)
(contained if os.geteuid() == 65534 and os.getegid() == 65534 else escaped)("identity", f"uid {os.getuid()} euid {os.geteuid()} gid {os.getgid()}")
