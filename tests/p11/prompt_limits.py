#!/usr/bin/env python3
"""prompt_limits.py CASE CTLSIGN ARGS... - starts `ctlsign ARGS` on a
pseudo-terminal (as tests/cli/secret_prompt.py does) with core dumps
allowed (RLIMIT_CORE raised in the child before exec), waits for the
secret prompt, and checks from the outside, in /proc/PID/limits, that the
process waiting for the secret can write no core file. Then Ctrl-C.

CASE names the run in messages; the prompt looked for is "assphrase" or
"PIN" (whichever comes). Prints one line per failure and exits 1 if
there was any; exits 77 when core dumps cannot be allowed at all.
"""
import os
import pty
import resource
import sys
import time

CASE, BIN, ARGS = sys.argv[1], sys.argv[2], sys.argv[3:]
fails = []


def read_until(fd, needles, timeout=30.0):
    buf = b""
    end = time.time() + timeout
    while not any(n in buf for n in needles) and time.time() < end:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    return buf


def core_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max core file size"):
                return line.split()[4:6]
    return None


soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
want = resource.RLIM_INFINITY if os.geteuid() == 0 else hard
if want == 0:
    print("skip: core dumps are not allowed here (hard RLIMIT_CORE 0)")
    sys.exit(77)

pid, fd = pty.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_CORE, (want, want))
    env = dict(os.environ)
    env.pop("CTLSIGN_KEY_PASSPHRASE", None)
    env.pop("CTLSIGN_PIN", None)
    os.execve(BIN, [BIN] + ARGS, env)

seen = read_until(fd, [b"assphrase", b"PIN for"])
if b"assphrase" not in seen and b"PIN for" not in seen:
    fails.append("%s: no secret prompt: %r" % (CASE, seen))
else:
    limit = core_limit(pid)
    if limit != ["0", "0"]:
        fails.append("%s: at the prompt, core file size limits are %r, not 0 0"
                     % (CASE, limit))
time.sleep(0.2)
os.write(fd, b"\x03")
read_until(fd, [b"\x00never"], timeout=10.0)
os.waitpid(pid, 0)

# The check is real: a process started the same way may dump core.
pid2, fd2 = pty.fork()
if pid2 == 0:
    resource.setrlimit(resource.RLIMIT_CORE, (want, want))
    os.execv("/bin/sleep", ["/bin/sleep", "5"])
time.sleep(0.3)
limit = core_limit(pid2)
if limit is None or limit[0] == "0":
    fails.append("%s: the control process has core limit %r" % (CASE, limit))
os.kill(pid2, 9)
os.waitpid(pid2, 0)

for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
