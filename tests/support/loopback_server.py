"""Start, watch and stop server processes on loopback for tests (stdlib only).

Shared by the peer scripts (s3_peers.py, azure_peers.py, gcs_peers.py,
oci_fake_server.py) and fault_proxy.py. What it guards
against: a fixed port that is already taken, and a readiness probe that is
answered by some *other* process listening on the same port (another s3rver on
4568 did exactly that on these machines). So a port is chosen free each time,
and a server counts as ready only once the process we started, or one of its
children, owns the listening socket.
"""
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

LOOPBACK = "127.0.0.1"


class PeerUnavailable(Exception):
    """The peer cannot run on this machine (program missing, install failed).

    Tests catch it and skip, printing the message as the reason.
    """


def free_port(host=LOOPBACK):
    """A port nobody listens on right now. It may be taken before it is used:
    callers verify ownership afterwards (wait_until_listening) and retry."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _listening_inodes(port):
    """Socket inodes in LISTEN state on `port`, on any IPv4/IPv6 address."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, state, inode = fields[1], fields[3], fields[9]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(inode)
        except FileNotFoundError:
            pass
    return inodes


def _process_tree(pid):
    """`pid` and all its descendants (a launcher such as a pyenv shim or npm's
    .bin script may run the real server as a child)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # The command name is in parentheses and may hold spaces.
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def listening_owner(pid, port):
    """The PID in `pid`'s process tree that owns a socket listening on `port`,
    or None when no such socket exists or someone else owns it."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    for p in _process_tree(pid):
        fd_dir = f"/proc/{p}/fd"
        try:
            for fd in os.listdir(fd_dir):
                with contextlib.suppress(OSError):
                    if os.readlink(f"{fd_dir}/{fd}") in wanted:
                        return p
        except OSError:
            continue
    return None


class ServerExited(RuntimeError):
    """The server exited before it listened; `status` is its exit status."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


class ServerProcess:
    """A server started in its own process group, with its output in a log file.

    stop() ends the group we started (its id is the PID we hold), first with
    SIGTERM, then SIGKILL; nothing else is signalled.
    """

    def __init__(self, argv, log_path, env=None, cwd=None):
        self.argv = argv
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, cwd=cwd, start_new_session=True)
        self.pid = self.process.pid

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:]).strip()
        except OSError:
            return ""

    def wait_until_listening(self, port, timeout):
        """Waits until our process tree listens on `port`. Raises RuntimeError
        with the log's tail when the server exits or the timeout passes."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise ServerExited(
                    f"{os.path.basename(self.argv[0])} exited with status {code} before listening "
                    f"on {LOOPBACK}:{port}; its output ends with:\n{self.log_tail()}", code)
            if listening_owner(self.pid, port) is not None:
                return
            if time.monotonic() > deadline:
                other = "another process listens on that port; " if _listening_inodes(port) else ""
                raise RuntimeError(
                    f"{os.path.basename(self.argv[0])} (pid {self.pid}) did not listen on "
                    f"{LOOPBACK}:{port} within {timeout:.0f} s; {other}its output ends with:\n"
                    f"{self.log_tail()}")
            time.sleep(0.05)

    def running(self):
        return self.process.poll() is None

    def stop(self, grace=5.0):
        if self.process.returncode is not None:
            return  # already reaped: its group id may belong to someone else by now
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        if not self._exited(grace):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self._exited(None)
        # The leader is a zombie until reaped, so its group id cannot have been
        # reused: end any child that outlived it, then reap.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()

    def _exited(self, timeout):
        """Waits for the leader to exit without reaping it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
            time.sleep(0.05)
        return False


def start_on_free_port(make_argv, log_path, timeout, env=None, cwd=None, attempts=3):
    """Starts `make_argv(port)` on a free port; retries with a new port when the
    chosen one was taken in the meantime. Returns (ServerProcess, port)."""
    last_error = None
    for _ in range(attempts):
        port = free_port()
        server = ServerProcess(make_argv(port), log_path, env=env, cwd=cwd)
        try:
            server.wait_until_listening(port, timeout)
            return server, port
        except RuntimeError as e:
            server.stop()
            last_error = e
    raise last_error


class RunningPeer:
    """What every started peer shares (a dataclass with `server`, a
    ServerProcess, and `work_dir`, its scratch folder): its pid, and stopping
    both together, also as a context manager."""

    @property
    def pid(self):
        return self.server.pid

    def stop(self):
        self.server.stop()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_peer_command(label, action, watch_stdin=True):
    """The CLI of a peer script: runs `action()`, which installs (and returns
    what to print) or starts a peer (and returns it: it is then served until
    released, see serve_until_released). Returns the exit status: 77 with the
    reason when the peer cannot run here, 1 when it failed."""
    try:
        result = action()
    except PeerUnavailable as e:
        return print_unavailable(str(e))
    except RuntimeError as e:
        print(f"{label}: {e}", file=sys.stderr)
        return 1
    if isinstance(result, str):
        print(result)
        return 0
    with contextlib.suppress(BrokenPipeError):
        serve_until_released(result.info(), result.stop, watch_stdin=watch_stdin)
    result.stop()
    return 0


def serve_until_released(info, stop, watch_stdin=True):
    """The CLI lifetime shared by the peers: prints `info` as one JSON line, then
    waits until stdin reaches EOF (the parent closed its end, or died) or a
    SIGTERM/SIGINT/SIGHUP arrives, and calls `stop()`. With watch_stdin False
    only a signal ends it (for shell scripts that start it in the background,
    where stdin is /dev/null)."""
    released = threading.Event()

    def on_signal(signum, frame):
        released.set()

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    def read_stdin_to_eof():
        try:
            while sys.stdin.buffer.read1(65536):
                pass
        except (OSError, ValueError):
            pass
        released.set()

    if watch_stdin:
        threading.Thread(target=read_stdin_to_eof, daemon=True).start()
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    while not released.wait(0.5):
        pass
    stop()


def print_unavailable(reason):
    """The CLI's answer when a peer cannot run: one JSON line, exit status 77
    (the usual 'skipped' status), so callers can tell it from a failure."""
    sys.stdout.write(json.dumps({"unavailable": reason}) + "\n")
    sys.stdout.flush()
    return 77
