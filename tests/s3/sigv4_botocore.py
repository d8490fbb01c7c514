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
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
try:
    from fixed_time_signer import AWSRequest, Credentials, FixedTimeS3Signer
except ImportError:
    sys.exit(3)


def sign(case):
    request = AWSRequest(method=case['method'], url=case['url'], headers=dict(case['headers']))
    signer = FixedTimeS3Signer(Credentials(case['access_key'], case['secret_key'], case['token'] or None),
                               case['service'], case['region'], case['amz_date'], case['payload_hash'])
    signer.add_auth(request)
    return {'canonical_request': signer.debug[0], 'string_to_sign': signer.debug[1],
            'authorization': request.headers['Authorization']}


with open(sys.argv[1], 'w') as out:
    json.dump([sign(case) for case in json.load(sys.stdin)], out)
