import os
import stat
from probe import attempt

attempt("mknod a block device", lambda: os.mknod("/tmp/sda", stat.S_IFBLK | 0o600, os.makedev(8, 0)))
attempt("mknod a char device (/dev/mem)", lambda: os.mknod("/tmp/mem", stat.S_IFCHR | 0o600, os.makedev(1, 1)))
attempt("open /dev/mem", lambda: open("/dev/mem", "rb").read(1))
