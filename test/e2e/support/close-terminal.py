"""Runs a command in a pty of its own, waits until it shows a text, then closes the pty, as a dropped SSH
session does, and prints how the command ended as JSON: {"shown": bool, "exitCode": int|null, "signal": int|null}.

Usage: close-terminal.py TEXT COMMAND [ARGUMENT ...]   (the command's environment is this one's)
"""

import fcntl
import json
import os
import pty
import select
import struct
import sys
import termios
import time

WAIT_FOR_TEXT_S = 20
WAIT_FOR_EXIT_S = 20

text = sys.argv[1].encode()
pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
screen = b""
deadline = time.monotonic() + WAIT_FOR_TEXT_S
while text not in screen and time.monotonic() < deadline:
    readable, _, _ = select.select([master], [], [], 0.1)
    if readable:
        try:
            screen += os.read(master, 65536)
        except OSError:
            break
os.close(master)

status = None
deadline = time.monotonic() + WAIT_FOR_EXIT_S
while status is None and time.monotonic() < deadline:
    ended, status_word = os.waitpid(pid, os.WNOHANG)
    if ended == 0:
        time.sleep(0.05)
    else:
        status = status_word
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)

print(
    json.dumps(
        {
            "shown": text in screen,
            "exitCode": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
        }
    )
)
