"""Runs a command in a pseudo-terminal of a given size, as a user's terminal
would, and writes every byte the terminal received to a file.

usage: pty_run.py COLUMNS OUT_FILE INTERRUPT_AFTER -- COMMAND...
INTERRUPT_AFTER: when not empty, SIGINT is sent once (as Ctrl-C would) after
the terminal has shown that text. The exit status is the command's (128 + the
signal when a signal ended it).
"""
import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios


def main():
    columns, out_file, interrupt_after = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
    command = sys.argv[sys.argv.index("--") + 1:]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    child = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    received = b""
    interrupted = not interrupt_after
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every copy of the terminal's other end is closed
            break
        if not chunk:
            break
        received += chunk
        if not interrupted and interrupt_after in received:
            child.send_signal(signal.SIGINT)
            interrupted = True
    status = child.wait()
    with open(out_file, "wb") as out:
        out.write(received)
    sys.exit(128 - status if status < 0 else status)


main()
