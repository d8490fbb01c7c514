"""A minimal AWS Signature Version 4 request, stdlib only.

Only what the test fixtures need to set a server up (moto's IAM query API,
creating and probing a bucket): requests whose path and query need no
escaping. Tests that check signing use botocore as the independent oracle,
never this.
"""
import hashlib
import hmac
import http.client
import time
import urllib.parse


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signed_headers(method, host, path, query, body, credentials, region, service, extra=None):
    """The headers of a SigV4-signed request; `credentials` is (access, secret)."""
    access_key, secret_key = credentials
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    payload_hash = hashlib.sha256(body).hexdigest()
    headers = {"host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash}
    headers.update({k.lower(): v for k, v in (extra or {}).items()})
    names = sorted(headers)
    canonical = "\n".join([
        method, path, query,
        "".join(f"{n}:{headers[n].strip()}\n" for n in names),
        ";".join(names), payload_hash])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return headers


def request(endpoint, method, path, credentials, region, service, query="", body=b"",
            extra_headers=None, timeout=30):
    """Sends one signed request to `endpoint` (http://host:port). Returns
    (status, body bytes)."""
    parsed = urllib.parse.urlsplit(endpoint)
    headers = signed_headers(method, parsed.netloc, path, query, body, credentials, region,
                             service, extra_headers)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        connection.request(method, path + ("?" + query if query else ""), body=body,
                           headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def query_api(endpoint, credentials, region, service, params, timeout=30):
    """A query-protocol call (IAM, STS): a signed form POST to '/'."""
    body = urllib.parse.urlencode(params).encode()
    return request(endpoint, "POST", "/", credentials, region, service, body=body,
                   extra_headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
                   timeout=timeout)
