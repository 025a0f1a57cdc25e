from probe import attempt, contained

for path in ["/etc/escape", "/usr/bin/escape", "/escape", "/root/escape", "/var/escape", "/home/escape"]:
    attempt(f"write {path}", lambda p=path: open(p, "w").write("x"))
attempt("append to /etc/passwd", lambda: open("/etc/passwd", "a").write("evil::0:0::/:/bin/sh\n"))
with open("/tmp/allowed", "w") as f:
    f.write("ok")
contained("write /tmp", "allowed, as intended")
