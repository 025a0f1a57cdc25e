import socket
from probe import attempt

for path in ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock", "/var/run/docker/containerd/containerd.sock"]:
    def connect(p=path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(p)
        return s
    attempt(f"connect {path}", connect)
