"""Helpers shared by the S3 test-infrastructure self-tests."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

SUPPORT = pathlib.Path(__file__).resolve().parent.parent / "support"
sys.path.insert(0, str(SUPPORT))

import loopback_server  # noqa: E402
import s3_peers  # noqa: E402

AWS = "/usr/bin/aws"

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # the tests skip; ClientError is only caught once boto3 exists
    boto3 = None
    ClientError = Exception

_unavailable = {}


def require_boto3():
    if boto3 is None:
        raise unittest.SkipTest("boto3/botocore are not installed for /usr/bin/python3 "
                                "(Debian python3-boto3; scripts/deps.sh installs it)")


def start_peer_or_skip(kind, **kwargs):
    """Starts a peer, or skips the calling test class with the reason why not."""
    require_boto3()
    if kind in _unavailable:
        raise unittest.SkipTest(_unavailable[kind])
    try:
        return s3_peers.start(kind, **kwargs)
    except loopback_server.PeerUnavailable as e:
        _unavailable[kind] = f"{kind} unavailable: {e}"
        raise unittest.SkipTest(_unavailable[kind])


def peer_available(kind):
    try:
        if kind == "moto":
            s3_peers.moto_server_command()
        else:
            s3_peers.install_s3rver()
        return True
    except loopback_server.PeerUnavailable:
        return False


class PeerView(types.SimpleNamespace):
    """A peer described by the CLI's JSON line, usable where an S3Peer is."""

    def __init__(self, info):
        super().__init__(**info)


def s3_client(peer, access_key=None, secret_key=None, endpoint=None, max_attempts=1,
              read_timeout=60, connect_timeout=10):
    require_boto3()
    config = Config(s3={"addressing_style": "path"}, read_timeout=read_timeout,
                    connect_timeout=connect_timeout,
                    retries={"total_max_attempts": max_attempts, "mode": "standard"})
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint or peer.endpoint, region_name=peer.region,
        aws_access_key_id=access_key or peer.access_key,
        aws_secret_access_key=secret_key or peer.secret_key, config=config)


def aws_env(peer, endpoint=None, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=peer.access_key, AWS_SECRET_ACCESS_KEY=peer.secret_key,
               AWS_DEFAULT_REGION=peer.region, AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true",
               AWS_PAGER="")
    env.update(extra or {})
    return env


def aws(peer, *args, endpoint=None, extra_env=None, check=True, timeout=600):
    """Runs /usr/bin/aws (awscli v2) against the peer; its output is returned,
    never printed (it could hold request details)."""
    if not os.access(AWS, os.X_OK):
        raise unittest.SkipTest(f"{AWS} (Debian awscli) is not installed")
    result = subprocess.run([AWS, "--endpoint-url", endpoint or peer.endpoint, *args],
                            env=aws_env(peer, extra=extra_env), capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed with status {result.returncode}: "
                             f"{result.stderr.strip()[-800:]}")
    return result


def scratch_dir(test):
    path = tempfile.mkdtemp(prefix="cairn-s3-infra-")
    test.addCleanup(shutil.rmtree, path, True)
    return path


def start_cli(argv, test, timeout=90):
    """Starts one of the support CLIs, reads its JSON line; the test's cleanup
    closes its stdin and reaps it. Skips when it reports the peer unavailable."""
    process = subprocess.Popen([sys.executable, *map(str, argv)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)

    def release():
        if process.poll() is None:
            process.stdin.close()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()

    test.addCleanup(release)
    line = process.stdout.readline()
    if not line:
        raise AssertionError(f"{argv[0]} printed nothing and exited with {process.wait()}")
    info = json.loads(line)
    if "unavailable" in info:
        raise unittest.SkipTest(info["unavailable"])
    return process, info


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is not alive
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"
