import subprocess
import time
from probe import attempt, contained, escaped

attempt("clock_settime(CLOCK_REALTIME)", lambda: time.clock_settime(time.CLOCK_REALTIME, 0))
result = subprocess.run(["date", "-s", "2001-01-01"], capture_output=True, text=True)
(escaped if result.returncode == 0 else contained)("date -s", result.stderr.strip())
(contained if time.time() > 1_700_000_000 else escaped)("wall clock", str(time.time()))
