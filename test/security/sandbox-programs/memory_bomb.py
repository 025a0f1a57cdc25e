# Allocates and touches 1 GiB in 16 MiB blocks; the memory limit ends it with the OOM killer.
blocks = []
for i in range(64):
    blocks.append(bytearray(16 * 1024 * 1024))
    print(f"ALLOCATED {(i + 1) * 16} MiB", flush=True)
print("ESCAPED memory bomb: allocated 1 GiB")
