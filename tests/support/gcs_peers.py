#!/usr/bin/python3
"""Google Cloud Storage's JSON API on loopback for tests: firebase-tools'
Storage emulator, and @google-cloud/storage as the client that reads what
Cairn writes (stdlib only).

  emulator  firebase-tools@15.34.2's StorageEmulator, started by
            gcs_emulator.js without the firebase CLI (which cannot start
            offline) and without Java. It checks no authorization. Its
            resumable uploads are single-shot (the first PUT finalises the
            object: no 308, no status query) and it refuses bodies over
            ~130 MB (../shared test-peers.md §2).
  client    @google-cloud/storage@7.22.0, Google's own Node client, driven by
            gcs_node_client.js (upload, download, list, delete).
Both are installed once, pinned, into the cache folder ($CAIRN_CACHE_DIR,
default ~/.cache/cairn) by `install` (scripts/deps.sh) or on first use.

Python:  with start(bucket="b") as peer: peer.endpoint, peer.emulator_host, ...
         (raises PeerUnavailable when it cannot run here: skip then)
CLI:     gcs_peers.py start [--bucket B] [--no-stdin]
           prints one JSON line {kind, endpoint, emulator_host, bucket, project,
           pid, port, node_client, node_path}, then runs until stdin closes
           (or, with --no-stdin, until SIGTERM/SIGINT). `node_path` and
           `node_client` run Google's client:
             NODE_PATH=<node_path> STORAGE_EMULATOR_HOST=<endpoint> node <node_client> ...
           When the peer cannot run here it prints {"unavailable": REASON} and
           exits with status 77.
         gcs_peers.py install [emulator|client|all]   installs them now
"""
import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loopback_server  # noqa: E402
import npm_cache  # noqa: E402
from loopback_server import LOOPBACK, PeerUnavailable  # noqa: E402

FIREBASE_TOOLS = ("firebase-tools", "15.34.2")
STORAGE_CLIENT = ("@google-cloud/storage", "7.22.0")
# firebase-tools is ~700 packages, ~300 MB: its first install can take long.
INSTALL_TIMEOUT_S = 3600
HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(HERE, "gcs_emulator.js")
NODE_CLIENT = os.path.join(HERE, "gcs_node_client.js")
DEFAULT_BUCKET = "cairn-test"
PROJECT = "demo-test"
START_TIMEOUT_S = 60


def install_emulator():
    return npm_cache.install(*FIREBASE_TOOLS, timeout=INSTALL_TIMEOUT_S)


def install_client():
    return npm_cache.install(*STORAGE_CLIENT)


@dataclasses.dataclass
class GcsPeer(loopback_server.RunningPeer):
    endpoint: str
    bucket: str
    server: loopback_server.ServerProcess
    port: int
    node_path: str
    work_dir: str
    kind: str = "emulator"

    @property
    def emulator_host(self):
        """STORAGE_EMULATOR_HOST for Google's clients and Cairn's gcs store."""
        return self.endpoint

    def info(self):
        return {"kind": self.kind, "endpoint": self.endpoint, "emulator_host": self.emulator_host,
                "bucket": self.bucket, "project": PROJECT, "pid": self.pid, "port": self.port,
                "node_client": NODE_CLIENT, "node_path": self.node_path}



def _probe(endpoint, bucket):
    """A listing of the bucket (the emulator creates buckets on first use):
    proves the JSON routes answer, not just that a socket listens."""
    url = f"{endpoint}/storage/v1/b/{bucket}/o?maxResults=1"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            json.load(response)
    except (urllib.error.URLError, ValueError) as e:
        raise RuntimeError(f"the emulator at {endpoint} does not answer a listing: {e}") from e


def start(bucket=DEFAULT_BUCKET, timeout=START_TIMEOUT_S):
    """Starts the emulator. Raises PeerUnavailable when it cannot run on this
    machine, RuntimeError when it ran but failed."""
    emulator_modules = install_emulator()
    client_modules = install_client()
    node = shutil.which("node")
    if not node:
        raise PeerUnavailable("node is not installed (scripts/deps.sh installs it)")
    work_dir = tempfile.mkdtemp(prefix="cairn-gcs-emulator-")
    # The emulator keeps its blobs under $TMPDIR/firebase: inside work_dir.
    env = dict(os.environ, TMPDIR=work_dir, NODE_PATH=emulator_modules, HOME=work_dir)
    server = None
    try:
        server, port = loopback_server.start_on_free_port(
            lambda p: [node, LAUNCHER, str(p), LOOPBACK],
            os.path.join(work_dir, "emulator.log"), timeout, env=env, cwd=work_dir)
        endpoint = f"http://{LOOPBACK}:{port}"
        _probe(endpoint, bucket)
        peer = GcsPeer(endpoint, bucket, server, port, client_modules, work_dir)
    except BaseException:
        if server:
            server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    print(f"gcs peer: firebase-tools {FIREBASE_TOOLS[1]} Storage emulator at {endpoint}, bucket {bucket}, "
          "authorization NOT checked", file=sys.stderr, flush=True)
    return peer


def main(argv=None):
    parser = argparse.ArgumentParser(description="The GCS emulator on loopback for tests.")
    sub = parser.add_subparsers(dest="command", required=True)
    start_cmd = sub.add_parser("start", help="start the emulator; print its JSON line; run until released")
    start_cmd.add_argument("--bucket", default=DEFAULT_BUCKET)
    start_cmd.add_argument("--timeout", type=float, default=START_TIMEOUT_S)
    start_cmd.add_argument("--no-stdin", action="store_true", help="ignore stdin: run until SIGTERM/SIGINT")
    install_cmd = sub.add_parser("install", help="install the emulator and/or Google's Node client; "
                                 "print where")
    install_cmd.add_argument("what", nargs="?", choices=("emulator", "client", "all"), default="all")
    args = parser.parse_args(argv)

    if args.command == "install":
        installers = {"emulator": [install_emulator], "client": [install_client],
                      "all": [install_emulator, install_client]}[args.what]
        return loopback_server.run_peer_command(
            "gcs_peers.py: install", lambda: "\n".join(install() for install in installers))
    return loopback_server.run_peer_command(
        "gcs_peers.py: start", lambda: start(bucket=args.bucket, timeout=args.timeout),
        watch_stdin=not args.no_stdin)


if __name__ == "__main__":
    sys.exit(main())
