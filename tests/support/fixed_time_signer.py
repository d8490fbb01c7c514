"""botocore's S3 SigV4 signer with the timestamp and payload hash supplied
(its own add_auth reads the clock and hashes the body itself).

The independent oracle Cairn's signatures are compared with
(tests/s3/sigv4_botocore.py), and the check the benchmarks' S3 sink makes of
every request it receives (s3_sink.py). Importing it needs botocore: an
ImportError means the caller skips.
"""
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest  # noqa: F401  (for callers: the request type it signs)
from botocore.credentials import Credentials  # noqa: F401


class FixedTimeS3Signer(S3SigV4Auth):
    def __init__(self, credentials, service, region, timestamp, payload_hash):
        super().__init__(credentials, service, region)
        self._timestamp, self._payload_hash = timestamp, payload_hash

    def payload(self, request):
        return self._payload_hash

    def sign(self, request):
        """(canonical request, string to sign, signature) of `request`."""
        request.context["timestamp"] = self._timestamp
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        to_sign = self.string_to_sign(request, canonical)
        return canonical, to_sign, self.signature(to_sign, request)

    def add_auth(self, request):
        canonical, to_sign, signature = self.sign(request)
        self.debug = (canonical, to_sign)
        self._inject_signature_to_request(request, signature)
