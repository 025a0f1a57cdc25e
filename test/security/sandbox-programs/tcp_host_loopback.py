import socket
from probe import attempt, env

port = int(env("HOST_PORT"))
# The host's listener is on 127.0.0.1; in the container that address is the container's own loopback.
attempt("tcp to the host loopback listener", lambda: socket.create_connection(("127.0.0.1", port), timeout=2))
attempt("tcp to localhost by name", lambda: socket.create_connection(("localhost", port), timeout=2))
