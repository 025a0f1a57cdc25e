import socket
from probe import attempt, require_no_routes

require_no_routes("dns")
attempt("dns lookup", lambda: socket.getaddrinfo("example.com", 80))
attempt("udp to a public resolver", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(("192.0.2.53", 53)))
