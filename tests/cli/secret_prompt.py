#!/usr/bin/env python3
"""secret_prompt.py CTLSIGN WORKDIR CASE - drives `ctlsign build` with an
encrypted signing key on a pseudo-terminal, as an administrator would,
and checks what the terminal looks like afterwards.

CASE is one of:
  ok        the right passphrase: exit 0, the passphrase never echoed
  interrupt Ctrl-C at the prompt: the process dies of SIGINT, echo is
            back on the terminal, no output file
  long      a passphrase of 2,000 characters: exit 2, one line, echo back
Prints one line per failure and exits 1 if there was any.
"""
import os
import pty
import signal
import sys
import termios
import time

BIN, WORK, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
PASS = "correct horse"
OUT = os.path.join(WORK, "CTL-%s.tlv" % CASE)
fails = []


def read_until(fd, needle, timeout=20.0):
    buf = b""
    end = time.time() + timeout
    while needle not in buf and time.time() < end:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    return buf


pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ)
    env.pop("CTLSIGN_KEY_PASSPHRASE", None)
    os.execve(BIN, [BIN, "build", "-o", OUT, "--timestamp", "1425667513",
                    "--sign-key", os.path.join(WORK, "enc.key"),
                    "--sign-cert", os.path.join(WORK, "pub.pem"),
                    "--ccm-tftp", os.path.join(WORK, "pub.pem")], env)

seen = read_until(fd, b"assphrase")
if b"assphrase" not in seen:
    fails.append("%s: no passphrase prompt: %r" % (CASE, seen))
if CASE == "ok":
    os.write(fd, (PASS + "\n").encode())
elif CASE == "interrupt":
    time.sleep(0.2)
    os.write(fd, b"\x03")  # the line discipline turns it into SIGINT
elif CASE == "long":
    os.write(fd, b"x" * 2000 + b"\n")
# The terminal's state right after the prompt is done with it.
rest = read_until(fd, b"\x00never", timeout=10.0)
_, status = os.waitpid(pid, 0)
try:
    attrs = termios.tcgetattr(fd)
    echo = bool(attrs[3] & termios.ECHO)
except termios.error as e:
    echo = None
    fails.append("%s: cannot read the terminal's modes: %s" % (CASE, e))
text = rest.decode("utf-8", "replace")

if PASS in text or ("x" * 50) in text:
    fails.append("%s: the secret was echoed: %r" % (CASE, text))
if echo is False:
    fails.append("%s: echo is still off after the prompt" % CASE)
if CASE == "ok":
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        fails.append("ok: status %r, output %r" % (status, text))
    if not os.path.exists(OUT):
        fails.append("ok: no output file")
elif CASE == "interrupt":
    if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT):
        fails.append("interrupt: not killed by SIGINT: status %r, %r" % (status, text))
    if os.path.exists(OUT):
        fails.append("interrupt: an output file was written")
elif CASE == "long":
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 2):
        fails.append("long: status %r, expected exit 2: %r" % (status, text))
    if "longer than" not in text:
        fails.append("long: no 'longer than' message: %r" % text)
    if os.path.exists(OUT):
        fails.append("long: an output file was written")

for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
