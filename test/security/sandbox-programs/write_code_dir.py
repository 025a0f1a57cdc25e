import os
from probe import attempt

attempt("create a file in /code", lambda: open("/code/new.py", "w").write("x"))
attempt("overwrite the code under test", lambda: open("/code/write_code_dir.py", "w").write("x"))
attempt("delete the code under test", lambda: os.remove("/code/probe.py"))
attempt("chmod the code dir", lambda: os.chmod("/code", 0o777))
attempt("rename in /code", lambda: os.rename("/code/probe.py", "/code/p.py"))
