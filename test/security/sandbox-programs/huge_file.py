import os
from probe import contained, escaped

# Writes up to 64 MiB to /tmp; the fsize ulimit (and the tmpfs size) stop it far earlier.
written = 0
error = None
try:
    with open("/tmp/huge", "wb") as f:
        for _ in range(64):
            f.write(b"\0" * (1024 * 1024))
            f.flush()
            written += 1024 * 1024
except OSError as err:
    error = err.strerror
size = os.path.getsize("/tmp/huge")
print(f"WROTE {size} error={error}")
(contained if error else escaped)("huge file", f"{size} bytes then {error}")
