import socket
from probe import attempt, contained, escaped, interfaces, require_no_routes

require_no_routes("metadata address")
attempt("tcp to the cloud metadata address", lambda: socket.create_connection(("169.254.169.254", 80), timeout=2))
names = interfaces()
(contained if names in (["lo"], []) else escaped)("network interfaces", ",".join(names) or "none")
