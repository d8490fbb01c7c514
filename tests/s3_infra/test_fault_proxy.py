"""Self-tests of tests/support/fault_proxy.py: awscli and botocore through the
proxy against a real S3 server (moto where present, else s3rver)."""
import hashlib
import http.client
import json
import os
import unittest

import s3_infra_common as common
import fault_proxy

SEED = 20240611
MIB = 1 << 20


def write_random(path, size, seed):
    rng = __import__("random").Random(seed)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 * MIB)
            f.write(rng.randbytes(n))
            left -= n


def read(path):
    with open(path, "rb") as f:
        return f.read()


class ProxyCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # moto, which checks signatures: every request that passes the proxy
        # then also proves that signatures made for the proxy's address verify
        # upstream. No fallback to s3rver, which would accept any signature.
        cls.peer = common.start_peer_or_skip("moto", bucket="proxy-selftest")

    @classmethod
    def tearDownClass(cls):
        cls.peer.stop()

    def proxy(self, rate, kinds=None, stall_seconds=10.0):
        plan = fault_proxy.FaultPlan(rate, kinds, SEED, stall_seconds)
        proxy = fault_proxy.FaultProxy(self.peer.endpoint, plan).start()
        self.addCleanup(proxy.stop)
        return proxy

    def direct(self):
        """A client that bypasses the proxy: what the server really holds."""
        return common.s3_client(self.peer, max_attempts=1)

    def assert_counters_consistent(self, stats):
        # Every request was either passed through or got exactly one fault;
        # the server saw exactly the passed ones and the GETs cut after forwarding.
        self.assertEqual(stats["requests"], stats["passed"] + stats["faults_total"], stats)
        cut = sum(stats["faults"][k] for k in ("reset_mid", "truncate_body", "lost_response"))
        self.assertEqual(stats["forwarded"], stats["passed"] + cut, stats)
        self.assertEqual(stats["upstream_errors"], 0, stats)


class AwscliThroughTheProxy(ProxyCase):
    def aws_cp(self, proxy, src, dst, check=True, attempts=25):
        # Short read timeout, so stalls cost seconds; enough attempts for 30 %.
        return common.aws(self.peer, "s3", "cp", "--only-show-errors", "--cli-read-timeout", "3",
                          src, dst, endpoint=proxy.endpoint, check=check,
                          extra_env={"AWS_MAX_ATTEMPTS": str(attempts),
                                     "AWS_RETRY_MODE": "standard"})

    def round_trip(self, proxy, key, size):
        work = common.scratch_dir(self)
        src, back = os.path.join(work, "src.bin"), os.path.join(work, "back.bin")
        write_random(src, size, seed=size)
        uri = f"s3://{self.peer.bucket}/{key}"
        self.aws_cp(proxy, src, uri)
        self.aws_cp(proxy, uri, back)
        self.assertEqual(read(back), read(src))
        stored = self.direct().get_object(Bucket=self.peer.bucket, Key=key)["Body"].read()
        self.assertEqual(hashlib.sha256(stored).digest(), hashlib.sha256(read(src)).digest())

    def test_rate_0_passes_everything_byte_identical(self):
        proxy = self.proxy(0.0)
        self.round_trip(proxy, "rate0/multipart.bin", 20 * MIB + 5)  # multipart: 3 parts
        self.round_trip(proxy, "rate0/single.bin", 300_001)
        stats = fault_proxy.fetch_stats(proxy.endpoint)
        self.assertEqual(stats["faults_total"], 0)
        self.assertGreaterEqual(stats["requests"], 2 * 2 + 3 + 2)  # PUTs, GETs, parts, create+complete
        self.assert_counters_consistent(stats)

    def test_rate_30_percent_succeeds_with_retries_byte_identical(self):
        proxy = self.proxy(0.3)
        self.round_trip(proxy, "rate30/multipart.bin", 20 * MIB + 5)
        self.round_trip(proxy, "rate30/single.bin", 300_001)
        stats = fault_proxy.fetch_stats(proxy.endpoint)
        self.assertGreater(stats["faults_total"], 0, stats)
        self.assertGreater(stats["passed"], 0, stats)
        self.assert_counters_consistent(stats)

    def test_rate_30_percent_botocore_transfers_succeed_with_retries(self):
        from boto3.s3.transfer import TransferConfig
        proxy = self.proxy(0.3, stall_seconds=10)
        s3 = common.s3_client(self.peer, endpoint=proxy.endpoint, max_attempts=25, read_timeout=2)
        config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB,
                                max_concurrency=4)
        work = common.scratch_dir(self)
        src, back = os.path.join(work, "src.bin"), os.path.join(work, "back.bin")
        write_random(src, 12 * MIB + 3, seed=30)
        s3.upload_file(src, self.peer.bucket, "boto30/multipart.bin", Config=config)
        s3.download_file(self.peer.bucket, "boto30/multipart.bin", back, Config=config)
        self.assertEqual(read(back), read(src))
        for i in range(10):
            body = os.urandom(1000 + i)
            s3.put_object(Bucket=self.peer.bucket, Key=f"boto30/small-{i}", Body=body)
            self.assertEqual(s3.get_object(Bucket=self.peer.bucket, Key=f"boto30/small-{i}")
                             ["Body"].read(), body)
        stats = fault_proxy.fetch_stats(proxy.endpoint)
        self.assertGreater(stats["faults_total"], 0, stats)
        self.assert_counters_consistent(stats)

    def test_rate_100_fails_every_request_and_nothing_lands(self):
        proxy = self.proxy(1.0, stall_seconds=10)  # the default kinds
        work = common.scratch_dir(self)
        src, back = os.path.join(work, "src.bin"), os.path.join(work, "back.bin")
        write_random(src, 100_000, seed=1)
        self.direct().put_object(Bucket=self.peer.bucket, Key="rate100/existing.bin",
                                 Body=read(src))
        up = self.aws_cp(proxy, src, f"s3://{self.peer.bucket}/rate100/new.bin", check=False,
                         attempts=4)
        down = self.aws_cp(proxy, f"s3://{self.peer.bucket}/rate100/existing.bin", back,
                           check=False, attempts=4)
        self.assertNotEqual(up.returncode, 0)
        self.assertNotEqual(down.returncode, 0)
        self.assertFalse(os.path.exists(back))
        stats = fault_proxy.fetch_stats(proxy.endpoint)
        # Four attempts of PutObject, four of the download's HeadObject; all faulted.
        self.assertEqual((stats["requests"], stats["faults_total"], stats["passed"]), (8, 8, 0),
                         stats)
        self.assert_counters_consistent(stats)
        listed = self.direct().list_objects_v2(Bucket=self.peer.bucket, Prefix="rate100")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["rate100/existing.bin"])


class EachFaultKind(ProxyCase):
    """One request, one fault, no retries: what the client sees for each kind."""

    def client(self, proxy, read_timeout=30):
        return common.s3_client(self.peer, endpoint=proxy.endpoint, max_attempts=1,
                                read_timeout=read_timeout)

    def put_directly(self, key, body):
        self.direct().put_object(Bucket=self.peer.bucket, Key=key, Body=body)

    def test_error_kinds_answer_their_s3_error_and_the_put_never_reaches_the_server(self):
        for kind, (status, _, code, _) in fault_proxy.ERROR_FAULTS.items():
            with self.subTest(kind=kind):
                proxy = self.proxy(1.0, kinds=[kind])
                with self.assertRaises(common.ClientError) as caught:
                    self.client(proxy).put_object(Bucket=self.peer.bucket, Key=f"err/{kind}",
                                                  Body=b"x" * 1000)
                response = caught.exception.response
                self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status)
                self.assertEqual(response["Error"]["Code"], code)
                self.assertEqual(fault_proxy.fetch_stats(proxy.endpoint)["faults"][kind], 1)
        self.assertNotIn("Contents", self.direct().list_objects_v2(Bucket=self.peer.bucket,
                                                                   Prefix="err"))

    def test_reset_before_is_a_connection_error(self):
        from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
        proxy = self.proxy(1.0, kinds=["reset_before"])
        with self.assertRaises((ConnectionClosedError, EndpointConnectionError)):
            self.client(proxy).head_bucket(Bucket=self.peer.bucket)

    def test_stall_outlasts_the_client_read_timeout(self):
        from botocore.exceptions import ReadTimeoutError
        proxy = self.proxy(1.0, kinds=["stall"], stall_seconds=30)
        with self.assertRaises(ReadTimeoutError):
            self.client(proxy, read_timeout=1).head_bucket(Bucket=self.peer.bucket)
        self.assertEqual(fault_proxy.fetch_stats(proxy.endpoint)["faults"]["stall"], 1)

    def test_truncated_and_reset_bodies_are_detected_by_the_client(self):
        from botocore.exceptions import (ConnectionClosedError, IncompleteReadError,
                                         ResponseStreamingError)
        data = os.urandom(3 * MIB)
        self.put_directly("cut/object.bin", data)
        for kind in ("truncate_body", "reset_mid"):
            with self.subTest(kind=kind):
                proxy = self.proxy(1.0, kinds=[kind])
                with self.assertRaises((IncompleteReadError, ResponseStreamingError,
                                        ConnectionClosedError)):
                    body = self.client(proxy).get_object(Bucket=self.peer.bucket,
                                                         Key="cut/object.bin")["Body"].read()
                    self.fail(f"{kind}: read {len(body)} of {len(data)} bytes without an error")
                self.assertEqual(fault_proxy.fetch_stats(proxy.endpoint)["faults"][kind], 1)

    def test_lost_response_is_an_error_although_the_put_landed(self):
        from botocore.exceptions import ConnectionClosedError
        proxy = self.proxy(1.0, kinds=["lost_response"])
        with self.assertRaises(ConnectionClosedError):
            self.client(proxy).put_object(Bucket=self.peer.bucket, Key="lost.bin", Body=b"landed")
        self.assertEqual(self.direct().get_object(Bucket=self.peer.bucket, Key="lost.bin")
                         ["Body"].read(), b"landed")
        stats = fault_proxy.fetch_stats(proxy.endpoint)
        self.assertEqual((stats["forwarded"], stats["faults"]["lost_response"]), (1, 1), stats)

    def test_lost_response_is_only_used_when_named(self):
        self.assertNotIn("lost_response", fault_proxy.FaultPlan(1.0).kinds)
        self.assertNotIn("lost_response", fault_proxy.parse_kinds(""))

    def test_get_only_kinds_leave_other_methods_alone(self):
        proxy = self.proxy(1.0, kinds=["truncate_body", "reset_mid"])
        self.client(proxy).put_object(Bucket=self.peer.bucket, Key="getonly.bin", Body=b"abc")
        self.client(proxy).head_object(Bucket=self.peer.bucket, Key="getonly.bin")
        stats = fault_proxy.fetch_stats(proxy.endpoint)
        self.assertEqual((stats["passed"], stats["faults_total"]), (2, 0), stats)

    def test_the_same_seed_draws_the_same_faults(self):
        def draws():
            plan = fault_proxy.FaultPlan(0.5, None, SEED)
            return [plan.draw(m) for m in ["GET", "PUT", "HEAD", "GET"] * 25]
        self.assertEqual(draws(), draws())
        self.assertGreater(sum(d is not None for d in draws()), 0)
        self.assertLess(sum(d is not None for d in draws()), 100)


class CliAndStreaming(ProxyCase):
    def test_a_large_body_streams_through_in_bounded_memory(self):
        # A single request body and a single response body of CAIRN_PROXY_STREAM_MIB
        # (default 1024) MiB, through the proxy as its own process.
        size = int(os.environ.get("CAIRN_PROXY_STREAM_MIB", "1024")) * MIB
        if self.peer.kind != "s3rver":
            self.peer_for_stream = common.start_peer_or_skip("s3rver", bucket="stream")
            self.addCleanup(self.peer_for_stream.stop)
        else:
            self.peer_for_stream = self.peer
        process, info = common.start_cli(
            [common.SUPPORT / "fault_proxy.py", "start", "--upstream",
             self.peer_for_stream.endpoint], self)
        path = f"/{self.peer_for_stream.bucket}/big.bin"
        connection = http.client.HTTPConnection("127.0.0.1", info["port"], timeout=300)
        # s3rver takes an anonymous PUT: this test is about the proxy, not signing.
        connection.putrequest("PUT", path)
        connection.putheader("Content-Length", str(size))
        connection.endheaders()
        sent, block = hashlib.sha256(), bytes(range(256)) * 4096  # 1 MiB pattern
        left = size
        while left:
            piece = block[:min(left, len(block))]
            sent.update(piece)
            connection.send(piece)
            left -= len(piece)
        response = connection.getresponse()
        response.read()
        self.assertEqual(response.status, 200)
        connection.request("GET", path)
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        received, count = hashlib.sha256(), 0
        while piece := response.read(MIB):
            received.update(piece)
            count += len(piece)
        self.assertEqual((count, received.hexdigest()), (size, sent.hexdigest()))
        connection.close()
        with open(f"/proc/{info['pid']}/status") as f:
            peak_kib = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
        self.assertLess(peak_kib, 128 * 1024, "the proxy buffered the body")
        process.stdin.close()
        self.assertEqual(process.wait(timeout=30), 0)
        final = json.loads(process.stdout.readline())
        self.assertEqual((final["requests"], final["forwarded"], final["faults_total"]), (2, 2, 0))

    def test_control_endpoint_reconfigures_and_rejects_bad_values(self):
        proxy = self.proxy(0.0)
        stats = fault_proxy.configure(proxy.endpoint, rate=1.0, kinds=["slow_down"], seed=3)
        self.assertEqual((stats["rate"], stats["kinds"], stats["seed"]), (1.0, ["slow_down"], 3))
        with self.assertRaises(common.ClientError):
            common.s3_client(self.peer, endpoint=proxy.endpoint).head_bucket(Bucket=self.peer.bucket)
        self.assertEqual(fault_proxy.fetch_stats(proxy.endpoint)["faults"]["slow_down"], 1)
        import urllib.error
        for bad in ({"rate": 1.5}, {"kinds": ["nonsense"]}):
            with self.assertRaises(urllib.error.HTTPError) as caught:
                fault_proxy.configure(proxy.endpoint, **bad)
            self.assertEqual(caught.exception.code, 400)


if __name__ == "__main__":
    unittest.main()
