#!/usr/bin/python3
"""Azurite, the Azure Storage emulator, on loopback for tests (stdlib only).

  azurite  npm azurite@3.35.0 (3.37 needs node 22), installed once into the
           cache folder ($CAIRN_CACHE_DIR, default ~/.cache/cairn); only its
           blob service runs, telemetry off. It checks Shared Key signatures:
           a request signed with a wrong key gets 403 AuthorizationFailure.

Each start picks a free port, waits until the process it started owns the
listening socket, creates the container with a Shared-Key-signed request
(which proves the handed-out key works) and measures, not assumes, that a
request signed with a wrong key is refused.

Python:  with start(container="c") as peer: peer.endpoint, peer.account, peer.key, ...
         (raises PeerUnavailable when Azurite cannot run here: skip then)
CLI:     azure_peers.py start azurite [--container C] [--no-stdin]
           prints one JSON line {kind, endpoint, host, port, account, key,
           container, connection_string, pid, verifies_signatures}, then runs
           until stdin closes (or, with --no-stdin, until SIGTERM/SIGINT). When
           Azurite cannot run here it prints {"unavailable": REASON} and exits
           with status 77. The line holds the key: read it, never log it.
         azure_peers.py install azurite    installs Azurite now (scripts/deps.sh)
"""
import argparse
import base64
import dataclasses
import email.utils
import hashlib
import hmac
import http.client
import os
import shutil
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loopback_server  # noqa: E402
import npm_cache  # noqa: E402
from loopback_server import LOOPBACK  # noqa: E402

AZURITE_VERSION = "3.35.0"
AZURITE_BLOB_ENTRY = "dist/src/blob/main.js"
# Azurite's published development account (the same in every Azure emulator).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")
API_VERSION = "2021-08-06"
DEFAULT_CONTAINER = "cairn-test"
START_TIMEOUT_S = 60


@dataclasses.dataclass
class AzurePeer(loopback_server.RunningPeer):
    kind: str
    endpoint: str  # http://127.0.0.1:PORT/devstoreaccount1 (path-style: the account leads the path)
    port: int
    account: str
    key: str
    container: str
    verifies_signatures: bool
    server: loopback_server.ServerProcess
    work_dir: str

    @property
    def connection_string(self):
        """What the Azure SDKs and CLI take (and Cairn's azure:// URIs read)."""
        return (f"DefaultEndpointsProtocol=http;AccountName={self.account};AccountKey={self.key};"
                f"BlobEndpoint={self.endpoint};")

    def info(self):
        """What the CLI prints: everything a client needs (the key included)."""
        return {"kind": self.kind, "endpoint": self.endpoint, "host": LOOPBACK, "port": self.port,
                "account": self.account, "key": self.key, "container": self.container,
                "connection_string": self.connection_string, "pid": self.pid,
                "verifies_signatures": self.verifies_signatures}



def shared_key_request(endpoint, method, path, account, key, query=(), body=b""):
    """One Shared-Key-signed request for fixture set-up (the tests' oracles are
    Azurite itself, libcloud and the Azure SDK, not this). `path` is relative to
    the endpoint and already encoded. Returns (status, body)."""
    url = urllib.parse.urlsplit(endpoint)
    full_path = url.path + path
    headers = {"x-ms-date": email.utils.formatdate(usegmt=True), "x-ms-version": API_VERSION,
               "Content-Length": str(len(body))}
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()) if k.startswith("x-ms-"))
    resource = f"/{account}{full_path}" + "".join(
        f"\n{k.lower()}:{v}" for k, v in sorted((k.lower(), v) for k, v in query))
    # Content-Encoding, -Language, -Length (empty for 0), -MD5, -Type, Date,
    # If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range.
    slots = ["", "", str(len(body)) if body else "", "", "", "", "", "", "", "", ""]
    string_to_sign = "\n".join([method] + slots) + "\n" + canonical_headers + resource
    signature = base64.b64encode(hmac.new(base64.b64decode(key), string_to_sign.encode(),
                                          hashlib.sha256).digest()).decode()
    headers["Authorization"] = f"SharedKey {account}:{signature}"
    target = full_path + ("?" + urllib.parse.urlencode(list(query)) if query else "")
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def create_container(endpoint, account, key, container):
    status, text = shared_key_request(endpoint, "PUT", "/" + urllib.parse.quote(container), account, key,
                                      [("restype", "container")])
    if status not in (201, 409):  # 409: it exists already
        raise RuntimeError(f"creating container {container!r} at {endpoint} failed: HTTP {status} {text[:200]!r}")


def measure_signature_checking(endpoint, account, key, container):
    """A listing signed with a wrong key must be refused (403) by a server that
    checks Shared Key signatures."""
    raw = bytearray(base64.b64decode(key))
    raw[0] ^= 0xFF
    wrong = base64.b64encode(bytes(raw)).decode()
    status, _ = shared_key_request(endpoint, "GET", "/" + urllib.parse.quote(container), account, wrong,
                                   [("restype", "container"), ("comp", "list")])
    return status == 403


def install_azurite():
    return os.path.join(npm_cache.install("azurite", AZURITE_VERSION), "azurite", AZURITE_BLOB_ENTRY)


def start_azurite(container=DEFAULT_CONTAINER, timeout=START_TIMEOUT_S):
    script = install_azurite()
    node = shutil.which("node")
    work_dir = tempfile.mkdtemp(prefix="cairn-azurite-")
    data_dir = os.path.join(work_dir, "data")
    os.mkdir(data_dir)
    server = None
    try:
        server, port = loopback_server.start_on_free_port(
            lambda p: [node, script, "--blobHost", LOOPBACK, "--blobPort", str(p), "--location", data_dir,
                       "--silent", "--disableTelemetry"],
            os.path.join(work_dir, "azurite.log"), timeout, cwd=work_dir)
        endpoint = f"http://{LOOPBACK}:{port}/{ACCOUNT}"
        create_container(endpoint, ACCOUNT, ACCOUNT_KEY, container)
        return AzurePeer("azurite", endpoint, port, ACCOUNT, ACCOUNT_KEY, container,
                         measure_signature_checking(endpoint, ACCOUNT, ACCOUNT_KEY, container), server, work_dir)
    except BaseException:
        if server:
            server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
        raise


PEERS = {"azurite": start_azurite}


def start(kind="azurite", container=DEFAULT_CONTAINER, timeout=START_TIMEOUT_S):
    """Starts Azurite. Raises PeerUnavailable when it cannot run on this
    machine, RuntimeError when it ran but failed."""
    if kind not in PEERS:
        raise ValueError(f"unknown Azure peer {kind!r}: use one of {', '.join(PEERS)}")
    peer = PEERS[kind](container=container, timeout=timeout)
    print(f"azure peer: {kind} at {peer.endpoint}, container {container}, signatures "
          f"{'verified' if peer.verifies_signatures else 'NOT verified'}", file=sys.stderr, flush=True)
    return peer


def main(argv=None):
    parser = argparse.ArgumentParser(description="Azurite on loopback for tests.")
    sub = parser.add_subparsers(dest="command", required=True)
    start_cmd = sub.add_parser("start", help="start a peer; print its JSON line; run until released")
    start_cmd.add_argument("kind", choices=sorted(PEERS))
    start_cmd.add_argument("--container", default=DEFAULT_CONTAINER)
    start_cmd.add_argument("--timeout", type=float, default=START_TIMEOUT_S,
                           help="seconds to wait for the server to listen")
    start_cmd.add_argument("--no-stdin", action="store_true",
                           help="ignore stdin: run until SIGTERM/SIGINT")
    install_cmd = sub.add_parser("install", help="install a peer from the npm registry; print its path")
    install_cmd.add_argument("kind", choices=sorted(PEERS))
    args = parser.parse_args(argv)

    if args.command == "install":
        return loopback_server.run_peer_command(f"azure_peers.py: install {args.kind}", install_azurite)
    return loopback_server.run_peer_command(
        f"azure_peers.py: start {args.kind}",
        lambda: start(args.kind, container=args.container, timeout=args.timeout),
        watch_stdin=not args.no_stdin)


if __name__ == "__main__":
    sys.exit(main())
