import os
import socket
from probe import attempt, contained, escaped, require_no_routes

require_no_routes("metadata address")
attempt("tcp to the cloud metadata address", lambda: socket.create_connection(("169.254.169.254", 80), timeout=2))
interfaces = sorted(os.listdir("/sys/class/net"))
(contained if interfaces == ["lo"] else escaped)("network interfaces", ",".join(interfaces))
