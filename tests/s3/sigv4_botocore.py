#!/usr/bin/python3
"""botocore's SigV4 signer as an oracle for Cairn's, with a fixed timestamp.

Reads a JSON list of requests on stdin; each has method, url (already
percent-encoded, as sent), region, service, amz_date, access_key, secret_key,
token (or ""), payload_hash and headers ([[name, value], ...] without host,
x-amz-date, x-amz-content-sha256 and x-amz-security-token, which botocore adds
itself). Writes a JSON list of {canonical_request, string_to_sign, authorization}
to the file named by its one argument.
Exits 3 when botocore is not installed (the caller skips).
"""
import json
import sys

try:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(3)


class FixedTimeS3Signer(S3SigV4Auth):
    """botocore's add_auth with the timestamp and payload hash supplied."""

    def __init__(self, credentials, service, region, timestamp, payload_hash):
        super().__init__(credentials, service, region)
        self._timestamp, self._payload_hash = timestamp, payload_hash

    def payload(self, request):
        return self._payload_hash

    def add_auth(self, request):
        request.context['timestamp'] = self._timestamp
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        to_sign = self.string_to_sign(request, canonical)
        self.debug = (canonical, to_sign)
        self._inject_signature_to_request(request, self.signature(to_sign, request))


def sign(case):
    request = AWSRequest(method=case['method'], url=case['url'], headers=dict(case['headers']))
    signer = FixedTimeS3Signer(Credentials(case['access_key'], case['secret_key'], case['token'] or None),
                               case['service'], case['region'], case['amz_date'], case['payload_hash'])
    signer.add_auth(request)
    return {'canonical_request': signer.debug[0], 'string_to_sign': signer.debug[1],
            'authorization': request.headers['Authorization']}


with open(sys.argv[1], 'w') as out:
    json.dump([sign(case) for case in json.load(sys.stdin)], out)
