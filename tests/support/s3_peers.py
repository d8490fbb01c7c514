#!/usr/bin/python3
"""Real S3 servers on loopback for tests: moto_server and s3rver (stdlib only).

  moto    moto_server (from PATH, or $CAIRN_MOTO_SERVER) with authentication on:
          INITIAL_NO_AUTH_ACTION_COUNT lets exactly the set-up calls through
          unsigned-checked (create an IAM user, an allow-all policy, attach
          it, create an access key); every later request must carry a valid
          SigV4 signature made with the handed-out keys, or gets 403.
  s3rver  s3rver 3.7.1 from the npm registry, installed once into the cache
          folder ($CAIRN_CACHE_DIR, default ~/.cache/cairn). It serves the S3
          API faithfully but checks only that the access key id is S3RVER.
  sink    s3_sink.py (stdlib + Debian's botocore, run by /usr/bin/python3): a
          fast in-memory server for benchmarks that recomputes every request's
          SigV4 signature with botocore and checks the body's SHA-256; random
          keys per start.

Each start picks a free port, waits until the process it started owns the
listening socket, and creates the bucket with a signed request (which also
proves that the handed-out keys work).

Python:  with start("moto", bucket="b") as peer: peer.endpoint, peer.access_key, ...
         (raises PeerUnavailable when the peer cannot run here: skip then)
CLI:     s3_peers.py start moto|s3rver|sink [--bucket B] [--region R] [--no-stdin]
           prints one JSON line {kind, endpoint, access_key, secret_key, region,
           bucket, pid, port, verifies_signatures}, then runs until stdin closes
           (or, with --no-stdin, until SIGTERM/SIGINT). When the peer cannot run
           here it prints {"unavailable": REASON} and exits with status 77.
           The line holds the keys: read it, never log it.
         s3_peers.py install s3rver    installs s3rver now (scripts/deps.sh)
         s3_peers.py install moto      finds moto_server (it comes with the machine's
                                       pyenv Python, not from a registry Cairn uses)
"""
import argparse
import dataclasses
import glob
import json
import os
import re
import secrets
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loopback_server  # noqa: E402
import npm_cache  # noqa: E402
import signed_request  # noqa: E402
from loopback_server import LOOPBACK, PeerUnavailable  # noqa: E402

S3RVER_VERSION = "3.7.1"
S3RVER_KEY = "S3RVER"  # s3rver's built-in access key id and secret
DEFAULT_BUCKET = "cairn-test"
DEFAULT_REGION = "us-east-1"
START_TIMEOUT_S = 60
# The allow-all policy given to moto's IAM user.
ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@dataclasses.dataclass
class S3Peer(loopback_server.RunningPeer):
    kind: str
    endpoint: str
    access_key: str
    secret_key: str
    region: str
    bucket: str
    verifies_signatures: bool
    server: loopback_server.ServerProcess
    port: int
    work_dir: str

    def info(self):
        """What the CLI prints: everything a client needs (keys included)."""
        return {"kind": self.kind, "endpoint": self.endpoint, "access_key": self.access_key,
                "secret_key": self.secret_key, "region": self.region, "bucket": self.bucket,
                "pid": self.pid, "port": self.port,
                "verifies_signatures": self.verifies_signatures}

    def client_env(self):
        """Environment variables that point boto3, awscli and Cairn's S3 store here."""
        return {"S3_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region}



def create_bucket(endpoint, credentials, region, bucket):
    body = b""
    if region != "us-east-1":
        body = ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                f"<LocationConstraint>{region}</LocationConstraint>"
                "</CreateBucketConfiguration>").encode()
    status, text = signed_request.request(endpoint, "PUT", "/" + bucket, credentials, region,
                                          "s3", body=body)
    if status != 200:
        raise RuntimeError(f"creating bucket {bucket!r} at {endpoint} failed: HTTP {status} "
                           f"{_xml_field(text, 'Code') or text[:200]!r}")


def measure_signature_checking(endpoint, credentials, region, bucket):
    """Measured, not assumed: a listing signed with the right access key id but a
    wrong secret must be refused (403) by a server that checks signatures."""
    access_key, secret = credentials
    wrong = ("x" if secret[:1] != "x" else "y") + secret[1:]
    status, _ = signed_request.request(endpoint, "GET", "/" + bucket, (access_key, wrong), region,
                                       "s3", query="list-type=2")
    return status == 403


def _xml_field(text, name):
    match = re.search(rf"<{name}>([^<]*)</{name}>".encode(), text)
    return match.group(1).decode() if match else None


# --- moto ------------------------------------------------------------------

def _pyenv_moto_servers():
    """moto_server in pyenv's Pythons: found even where pyenv's shims are not
    on PATH (CI runs with the machine's environment, not a login shell's)."""
    root = os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")
    return sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "moto_server")), reverse=True)


def moto_server_command():
    explicit = os.environ.get("CAIRN_MOTO_SERVER")
    if explicit:
        candidates = [explicit]
    else:
        candidates = [path for path in [shutil.which("moto_server"), *_pyenv_moto_servers()] if path]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    raise PeerUnavailable("moto_server is not installed (not on PATH nor in ~/.pyenv/versions; set "
                          "CAIRN_MOTO_SERVER to its path to use it)")


# The set-up calls let through before authentication is enforced.
_MOTO_SETUP_CALLS = 4


def _moto_iam(endpoint, params):
    params = dict(params, Version="2010-05-08")
    # Before enforcement moto checks no signature: any key signs the set-up calls.
    status, text = signed_request.query_api(endpoint, ("setup", "setup"), "us-east-1", "iam",
                                            params)
    if status != 200:
        raise RuntimeError(f"moto IAM {params['Action']} failed: HTTP {status} "
                           f"{_xml_field(text, 'Code') or text[:200]!r}")
    return text


def _create_moto_keys(endpoint):
    """IAM user + allow-all policy + access key: exactly _MOTO_SETUP_CALLS calls."""
    user = "cairn-test"
    _moto_iam(endpoint, {"Action": "CreateUser", "UserName": user})
    policy = _moto_iam(endpoint, {"Action": "CreatePolicy", "PolicyName": "cairn-allow-all",
                                  "PolicyDocument": ALLOW_ALL})
    _moto_iam(endpoint, {"Action": "AttachUserPolicy", "UserName": user,
                         "PolicyArn": _xml_field(policy, "Arn")})
    key = _moto_iam(endpoint, {"Action": "CreateAccessKey", "UserName": user})
    return _xml_field(key, "AccessKeyId"), _xml_field(key, "SecretAccessKey")


def _serve_peer(kind, work_dir, launch, keys_of, region, bucket):
    """The S3Peer of the server `launch()` starts (it returns (server, port)),
    with the keys `keys_of(endpoint)` gives and `bucket` created. On any
    failure the server is stopped and `work_dir` removed."""
    server = None
    try:
        server, port = launch()
        endpoint = f"http://{LOOPBACK}:{port}"
        keys = keys_of(endpoint)
        create_bucket(endpoint, keys, region, bucket)
        return S3Peer(kind, endpoint, keys[0], keys[1], region, bucket,
                      measure_signature_checking(endpoint, keys, region, bucket), server, port, work_dir)
    except BaseException:
        if server:
            server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
        raise


def _start_or_unavailable(argv_of, log, timeout, env, cwd, missing_status, what):
    """loopback_server.start_on_free_port, with an exit status `missing_status`
    at start-up (the server's dependency is absent) as PeerUnavailable."""
    try:
        return loopback_server.start_on_free_port(argv_of, log, timeout, env=env, cwd=cwd)
    except loopback_server.ServerExited as e:
        if e.status == missing_status:
            raise PeerUnavailable(f"{what} cannot run: {e}") from e
        raise


def start_moto(bucket=DEFAULT_BUCKET, region=DEFAULT_REGION, timeout=START_TIMEOUT_S):
    command = moto_server_command()
    work_dir = tempfile.mkdtemp(prefix="cairn-moto-")
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(_MOTO_SETUP_CALLS))
    env.pop("AWS_ACCESS_KEY_ID", None)
    env.pop("AWS_SECRET_ACCESS_KEY", None)
    # 127: e.g. a pyenv shim whose Python version has no moto.
    return _serve_peer("moto", work_dir, lambda: _start_or_unavailable(
        lambda p: [command, "-H", LOOPBACK, "-p", str(p)], os.path.join(work_dir, "moto.log"), timeout, env,
        work_dir, 127, command), _create_moto_keys, region, bucket)


# --- s3rver ----------------------------------------------------------------

def s3rver_script():
    return os.path.join(npm_cache.package_folder("s3rver", S3RVER_VERSION), "node_modules",
                        "s3rver", "bin", "s3rver.js")


def install_s3rver():
    """Installs s3rver@S3RVER_VERSION into the cache once (npm_cache.py).
    Returns the path of its start script."""
    modules = npm_cache.install("s3rver", S3RVER_VERSION)
    return os.path.join(modules, "s3rver", "bin", "s3rver.js")


def start_s3rver(bucket=DEFAULT_BUCKET, region=DEFAULT_REGION, timeout=START_TIMEOUT_S):
    script = install_s3rver()
    node = shutil.which("node")
    work_dir = tempfile.mkdtemp(prefix="cairn-s3rver-")
    data_dir = os.path.join(work_dir, "data")
    os.mkdir(data_dir)
    # Without the legacy provider, truncated ListObjectsV2 pages fail with 500:
    # s3rver's continuation tokens use DES, which OpenSSL 3 disables.
    env = dict(os.environ, NODE_OPTIONS=(os.environ.get("NODE_OPTIONS", "") +
                                         " --openssl-legacy-provider").strip())
    return _serve_peer("s3rver", work_dir, lambda: loopback_server.start_on_free_port(
        lambda p: [node, script, "-d", data_dir, "-a", LOOPBACK, "-p", str(p), "--silent"],
        os.path.join(work_dir, "s3rver.log"), timeout, env=env, cwd=work_dir),
        lambda endpoint: (S3RVER_KEY, S3RVER_KEY), region, bucket)


# --- sink ------------------------------------------------------------------

def start_sink(bucket=DEFAULT_BUCKET, region=DEFAULT_REGION, timeout=START_TIMEOUT_S):
    # Debian's Python: it has the botocore the sink checks signatures with.
    python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "s3_sink.py")
    work_dir = tempfile.mkdtemp(prefix="cairn-sink-")
    keys = ("AKSINK" + secrets.token_hex(7).upper(), secrets.token_urlsafe(30))
    # Keys go through the environment: a command line is readable by everyone in ps.
    env = dict(os.environ, CAIRN_SINK_ACCESS_KEY=keys[0], CAIRN_SINK_SECRET_KEY=keys[1])
    # 77: no botocore.
    return _serve_peer("sink", work_dir, lambda: _start_or_unavailable(
        lambda p: [python, script, "serve", "--port", str(p), "--region", region],
        os.path.join(work_dir, "sink.log"), timeout, env, work_dir, 77, "s3_sink.py"),
        lambda endpoint: keys, region, bucket)


PEERS = {"moto": start_moto, "s3rver": start_s3rver, "sink": start_sink}


def start(kind, bucket=DEFAULT_BUCKET, region=DEFAULT_REGION, timeout=START_TIMEOUT_S):
    """Starts a peer of `kind` ('moto', 's3rver' or 'sink'). Raises PeerUnavailable when
    it cannot run on this machine, RuntimeError when it ran but failed."""
    if kind not in PEERS:
        raise ValueError(f"unknown S3 peer {kind!r}: use one of {', '.join(PEERS)}")
    peer = PEERS[kind](bucket=bucket, region=region, timeout=timeout)
    # Which server a test ran against belongs in its log (never the keys).
    print(f"s3 peer: {kind} at {peer.endpoint}, bucket {bucket}, signatures "
          f"{'verified' if peer.verifies_signatures else 'NOT verified'}", file=sys.stderr, flush=True)
    return peer


def main(argv=None):
    parser = argparse.ArgumentParser(description="Real S3 servers on loopback for tests.")
    sub = parser.add_subparsers(dest="command", required=True)
    start_cmd = sub.add_parser("start", help="start a peer; print its JSON line; run until released")
    start_cmd.add_argument("kind", choices=sorted(PEERS))
    start_cmd.add_argument("--bucket", default=DEFAULT_BUCKET)
    start_cmd.add_argument("--region", default=DEFAULT_REGION)
    start_cmd.add_argument("--timeout", type=float, default=START_TIMEOUT_S,
                           help="seconds to wait for the server to listen")
    start_cmd.add_argument("--no-stdin", action="store_true",
                           help="ignore stdin: run until SIGTERM/SIGINT")
    install_cmd = sub.add_parser("install", help="install a peer that comes from a registry (s3rver), "
                                 "or find one that comes with the machine (moto); print its path")
    install_cmd.add_argument("kind", choices=["moto", "s3rver"])
    args = parser.parse_args(argv)

    if args.command == "install":
        return loopback_server.run_peer_command(
            f"s3_peers.py: install {args.kind}",
            lambda: install_s3rver() if args.kind == "s3rver" else moto_server_command())
    return loopback_server.run_peer_command(
        f"s3_peers.py: start {args.kind}",
        lambda: start(args.kind, bucket=args.bucket, region=args.region, timeout=args.timeout),
        watch_stdin=not args.no_stdin)


if __name__ == "__main__":
    sys.exit(main())
