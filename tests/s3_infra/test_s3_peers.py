"""Self-tests of tests/support/s3_peers.py against the real servers, with
botocore (an independent SigV4 signer) and awscli as the clients."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

import s3_infra_common as common
import loopback_server
import s3_peers


class PortOwnership(unittest.TestCase):
    def test_a_port_held_by_another_process_is_not_ours(self):
        # The port trap: some other process listens on the port we probe.
        with socket.socket() as other:
            other.bind((loopback_server.LOOPBACK, 0))
            other.listen()
            port = other.getsockname()[1]
            sleeper = subprocess.Popen(["sleep", "30"])
            try:
                self.assertIsNone(loopback_server.listening_owner(sleeper.pid, port))
                self.assertEqual(loopback_server.listening_owner(os.getpid(), port), os.getpid())
            finally:
                sleeper.kill()
                sleeper.wait()

    def test_a_server_that_cannot_bind_is_reported_not_mistaken_for_ready(self):
        with socket.socket() as other:
            other.bind((loopback_server.LOOPBACK, 0))
            other.listen()
            port = other.getsockname()[1]
            log = os.path.join(common.scratch_dir(self), "log")
            # A "server" that never listens: the port answers, but not from it.
            server = loopback_server.ServerProcess(["sleep", "30"], log)
            try:
                with self.assertRaisesRegex(RuntimeError, "another process listens"):
                    server.wait_until_listening(port, timeout=1)
            finally:
                server.stop()
            self.assertFalse(server.running())


class PeerContract:
    """Run for each peer kind by the subclasses below."""
    kind = None
    checks_signatures = None
    odd_key = None  # an object name with characters that need escaping
    list_prefix = "dir/"

    @classmethod
    def setUpClass(cls):
        cls.peer = common.start_peer_or_skip(cls.kind, bucket="peer-selftest")

    @classmethod
    def tearDownClass(cls):
        cls.peer.stop()

    def test_the_started_pid_owns_the_listening_socket(self):
        self.assertIsNotNone(loopback_server.listening_owner(self.peer.pid, self.peer.port))

    def test_botocore_round_trip_is_byte_identical(self):
        s3 = common.s3_client(self.peer)
        data = os.urandom(3 * 1024 * 1024 + 17)
        s3.put_object(Bucket=self.peer.bucket, Key=self.odd_key, Body=data)
        self.assertEqual(s3.get_object(Bucket=self.peer.bucket, Key=self.odd_key)["Body"].read(),
                         data)
        listed = s3.list_objects_v2(Bucket=self.peer.bucket, Prefix=self.list_prefix)
        self.assertEqual([o["Key"] for o in listed["Contents"]], [self.odd_key])

    def test_awscli_reads_what_botocore_wrote(self):
        s3 = common.s3_client(self.peer)
        data = os.urandom(100_000)
        s3.put_object(Bucket=self.peer.bucket, Key="from-botocore.bin", Body=data)
        out = os.path.join(common.scratch_dir(self), "copy.bin")
        common.aws(self.peer, "s3", "cp", f"s3://{self.peer.bucket}/from-botocore.bin", out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_verifies_signatures_is_measured(self):
        # s3_peers.py measures it with a wrongly signed request; a wrong secret
        # must then get through exactly where the peer says it is not checked.
        self.assertEqual(self.peer.verifies_signatures, self.checks_signatures)
        s3 = common.s3_client(self.peer, secret_key=self.peer.secret_key[:-1] + "x")
        if self.checks_signatures:
            with self.assertRaises(common.ClientError):
                s3.head_bucket(Bucket=self.peer.bucket)
        else:
            s3.head_bucket(Bucket=self.peer.bucket)

    def test_a_wrong_access_key_id_is_rejected(self):
        s3 = common.s3_client(self.peer, access_key="AKIAWRONGWRONGWRONG0")
        with self.assertRaises(common.ClientError) as caught:
            s3.head_bucket(Bucket=self.peer.bucket)
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)


class MotoPeer(PeerContract, unittest.TestCase):
    kind = "moto"
    checks_signatures = True
    # moto 5.2 checks signatures against a differently escaped path: a key with
    # '+', '=', ',', '%' or non-ASCII gets SignatureDoesNotMatch even from
    # botocore, and so does a listing whose prefix or delimiter holds '/'
    # (awscli's `s3 ls s3://b/dir/` too). Space and '~' are fine. Use s3rver
    # for such names.
    odd_key = "dir/a b~c.bin"
    list_prefix = "dir"

    def test_a_wrong_secret_is_rejected_and_the_right_one_accepted(self):
        good = common.s3_client(self.peer)
        bad = common.s3_client(self.peer, secret_key=self.peer.secret_key[:-1] + "x")
        good.put_object(Bucket=self.peer.bucket, Key="signed.bin", Body=b"ok")
        for call in (lambda c: c.get_object(Bucket=self.peer.bucket, Key="signed.bin"),
                     lambda c: c.put_object(Bucket=self.peer.bucket, Key="forged.bin", Body=b"x")):
            with self.assertRaises(common.ClientError) as caught:
                call(bad)
            self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
            self.assertEqual(caught.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(good.get_object(Bucket=self.peer.bucket, Key="signed.bin")["Body"].read(),
                         b"ok")
        self.assertNotIn("Contents", good.list_objects_v2(Bucket=self.peer.bucket,
                                                          Prefix="forged.bin"))

    def test_an_unsigned_request_is_rejected(self):
        import urllib.error
        import urllib.request
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{self.peer.endpoint}/{self.peer.bucket}?list-type=2",
                                   timeout=30)
        # moto 5.2 answers a request without Authorization with 500, not 403.
        self.assertIn(caught.exception.code, (403, 500))


class S3rverPeer(PeerContract, unittest.TestCase):
    kind = "s3rver"
    checks_signatures = False
    odd_key = "dir/a b+c=d,\u00fc%.bin"

    def test_paged_listing_works(self):
        # Needs --openssl-legacy-provider: the continuation token uses DES.
        s3 = common.s3_client(self.peer)
        for i in range(5):
            s3.put_object(Bucket=self.peer.bucket, Key=f"page/{i}", Body=b"x")
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.peer.bucket, Prefix="page/", PaginationConfig={"PageSize": 2}):
            keys += [o["Key"] for o in page["Contents"]]
        self.assertEqual(keys, [f"page/{i}" for i in range(5)])


class Cli(unittest.TestCase):
    def test_start_prints_one_json_line_and_stops_when_stdin_closes(self):
        kind = "moto" if common.peer_available("moto") else "s3rver"
        process, info = common.start_cli(
            [common.SUPPORT / "s3_peers.py", "start", kind, "--bucket", "cli-bucket"], self)
        self.assertEqual(info["bucket"], "cli-bucket")
        for field in ("endpoint", "access_key", "secret_key", "region", "pid", "port"):
            self.assertIn(field, info)
        self.assertIsNotNone(loopback_server.listening_owner(info["pid"], info["port"]))
        common.s3_client(common.PeerView(info)).head_bucket(Bucket="cli-bucket")
        process.stdin.close()
        self.assertEqual(process.wait(timeout=30), 0)
        self.assertFalse(common.pid_alive(info["pid"]), "the server outlived its CLI")

    def test_sigterm_stops_it_too(self):
        kind = "moto" if common.peer_available("moto") else "s3rver"
        process, info = common.start_cli(
            [common.SUPPORT / "s3_peers.py", "start", kind, "--no-stdin"], self)
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=30), 0)
        self.assertFalse(common.pid_alive(info["pid"]))

    def test_an_absent_peer_is_reported_unavailable_with_status_77(self):
        env = dict(os.environ, CAIRN_MOTO_SERVER="/nonexistent/moto_server")
        result = subprocess.run([sys.executable, str(common.SUPPORT / "s3_peers.py"), "start",
                                 "moto"], env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 77)
        self.assertIn("moto_server is not installed", json.loads(result.stdout)["unavailable"])


if __name__ == "__main__":
    unittest.main()
