from probe import contained, escaped

status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().strip().split("\n") if ":\t" in line)
nnp = status.get("NoNewPrivs", "?").strip()
(contained if nnp == "1" else escaped)("NoNewPrivs", nnp)
for cap in ["CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb"]:
    value = status.get(cap, "?").strip()
    (contained if int(value, 16) == 0 else escaped)(cap, value)
seccomp = status.get("Seccomp", "?").strip()
# 2 = filter mode (Docker's default profile); gVisor reports its own sandbox instead of a host filter.
(contained if seccomp in ("2", "?", "0") else escaped)("Seccomp", seccomp)
print(f"SECCOMP {seccomp}")
