import os
import time

# Bounded: at most 200 forks; each child only sleeps, then the parent kills them all.
# Each fork is reported at once: under gVisor, exhausting the host pids allowance stops the
# whole sandbox, and what was printed before is the evidence.
children = []
refused = None
for _ in range(200):
    try:
        pid = os.fork()
    except OSError as err:
        refused = err.strerror
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    children.append(pid)
    print(f"FORKED {len(children)}", flush=True)
print(f"FORKS {len(children)} refused={refused}", flush=True)
for pid in children:
    os.kill(pid, 9)
print(f"{'CONTAINED' if refused else 'ESCAPED'} fork bomb: {len(children)} forks then {refused}")
