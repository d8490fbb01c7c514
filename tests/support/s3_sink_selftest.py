#!/usr/bin/python3
"""Self-check of s3_sink.py (`s3_sink.py selftest`): it must serve real clients
and refuse what S3 refuses. Starts a sink, then
  (a) `aws s3 cp` (/usr/bin/aws) up and down, a single PUT (1 MiB) and a
      multipart upload with ranged downloads (20 MiB), with the handed-out keys;
      the bytes must round-trip and the ETags be S3's;
  (b) requests with a wrong secret, a wrong access key, no signature, or a
      signature for another path must get 403;
  (c) a body altered after signing must get 400 XAmzContentSHA256Mismatch, a
      wrong Content-MD5 400 BadDigest; a Range must get 206 and its bytes.
Prints one line per check; exits 1 on the first failure. Keys are never printed.
"""
import base64
import hashlib
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import s3_peers  # noqa: E402
import signed_request  # noqa: E402

AWS = "/usr/bin/aws"


def send(peer, method, path, body=b"", query="", secret=None, access=None, signed_path=None,
         signed_body=None, headers=None, sign=True):
    """One request; signed over (signed_path, signed_body) when given, sent with
    (path, body): how a tampered request is made. Returns (status, headers, body)."""
    host = urllib.parse.urlsplit(peer.endpoint).netloc
    all_headers = {}
    if sign:
        all_headers = signed_request.signed_headers(
            method, host, signed_path or path, query, body if signed_body is None else signed_body,
            (access or peer.access_key, secret or peer.secret_key), peer.region, "s3", headers)
    else:
        all_headers.update(headers or {})
    connection = http.client.HTTPConnection(host, timeout=30)
    try:
        connection.request(method, path + ("?" + query if query else ""), body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, response, response.read()
    finally:
        connection.close()


def code_of(body):
    m = re.search(rb"<Code>([^<]*)</Code>", body)
    return m.group(1).decode() if m else "-"


def expect(label, got, wanted):
    ok = got == wanted
    print(f"{'ok  ' if ok else 'FAIL'} {label}: {got}{'' if ok else f' (wanted {wanted})'}", flush=True)
    if not ok:
        raise SystemExit(1)


def aws(peer, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=peer.access_key, AWS_SECRET_ACCESS_KEY=peer.secret_key,
               AWS_DEFAULT_REGION=peer.region, AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        env.pop(name, None)
    started = time.monotonic()
    result = subprocess.run([AWS, "--endpoint-url", peer.endpoint, "s3", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    if result.returncode:
        print(f"FAIL aws s3 {' '.join(args[:1])}: {result.stderr.strip()[-300:]}")
        raise SystemExit(1)
    return time.monotonic() - started


def main():
    with s3_peers.start("sink", bucket="selftest") as peer, tempfile.TemporaryDirectory() as tmp:
        print(f"sink at {peer.endpoint} (pid {peer.pid}), verifies_signatures={peer.verifies_signatures}")
        expect("start-up probe: a listing signed with a wrong secret was refused", peer.verifies_signatures, True)
        # (a) real client round trips
        for name, mib in (("small.bin", 1), ("dir/multi part.bin", 20)):
            src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
            data = os.urandom(mib << 20)
            with open(src, "wb") as f:
                f.write(data)
            up = aws(peer, "cp", "--only-show-errors", src, f"s3://selftest/{name}")
            down = aws(peer, "cp", "--only-show-errors", f"s3://selftest/{name}", dst)
            with open(dst, "rb") as f:
                expect(f"(a) aws s3 cp {mib} MiB up ({up:.2f} s) and down ({down:.2f} s): bytes equal",
                       f.read() == data, True)
            status, response, _ = send(peer, "HEAD", "/selftest/" + urllib.parse.quote(name))
            if mib == 1:
                wanted = hashlib.md5(data).hexdigest()
            else:  # awscli's 8 MiB parts; each part's ETag: its signed SHA-256's first 128 bits
                parts = [data[i:i + (8 << 20)] for i in range(0, len(data), 8 << 20)]
                wanted = hashlib.md5(b"".join(hashlib.sha256(p).digest()[:16] for p in parts)).hexdigest()
                wanted += f"-{len(parts)}"
            expect(f"(a) HEAD {name}: status and ETag", (status, response.getheader("ETag")), (200, f'"{wanted}"'))
        status, _, body = send(peer, "GET", "/selftest", query="list-type=2&prefix=dir%2F")
        expect("(a) ListObjectsV2 prefix=dir/ lists the multipart object",
               (status, b"<Key>dir/multi part.bin</Key>" in body), (200, True))
        aws(peer, "rm", "--only-show-errors", "s3://selftest/small.bin")
        expect("(a) after aws s3 rm: HEAD", send(peer, "HEAD", "/selftest/small.bin")[0], 404)

        # (b) refusals of bad signatures
        secret = peer.secret_key
        wrong = ("x" if secret[0] != "x" else "y") + secret[1:]
        status, _, body = send(peer, "GET", "/selftest", query="list-type=2", secret=wrong)
        expect("(b) listing signed with a wrong secret", (status, code_of(body)), (403, "SignatureDoesNotMatch"))
        status, _, body = send(peer, "PUT", "/selftest/w.bin", b"x" * 1000, secret=wrong)
        expect("(b) PUT signed with a wrong secret", (status, code_of(body)), (403, "SignatureDoesNotMatch"))
        status, _, body = send(peer, "GET", "/selftest/dir/multi%20part.bin", access="AKNOTTHEKEY")
        expect("(b) GET with an unknown access key", (status, code_of(body)), (403, "InvalidAccessKeyId"))
        status, _, body = send(peer, "GET", "/selftest/dir/multi%20part.bin", sign=False)
        expect("(b) GET without a signature", (status, code_of(body)), (403, "AccessDenied"))
        status, _, body = send(peer, "DELETE", "/selftest/dir/multi%20part.bin", signed_path="/selftest/other.bin")
        expect("(b) DELETE signed for another key", (status, code_of(body)), (403, "SignatureDoesNotMatch"))

        # (c) bodies that are not what was signed
        status, _, body = send(peer, "PUT", "/selftest/c.bin", b"B" * 4096, signed_body=b"A" * 4096)
        expect("(c) PUT whose body was altered after signing", (status, code_of(body)),
               (400, "XAmzContentSHA256Mismatch"))
        md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        status, _, body = send(peer, "PUT", "/selftest/c.bin", b"C" * 4096, headers={"Content-MD5": md5})
        expect("(c) PUT with a wrong Content-MD5", (status, code_of(body)), (400, "BadDigest"))
        expect("(c) neither was stored: HEAD", send(peer, "HEAD", "/selftest/c.bin")[0], 404)
        data = os.urandom(100000)
        expect("(c) a correctly signed PUT", send(peer, "PUT", "/selftest/c.bin", data)[0], 200)
        status, response, body = send(peer, "GET", "/selftest/c.bin", headers={"Range": "bytes=1000-1999"})
        expect("(c) GET Range bytes=1000-1999", (status, response.getheader("Content-Range"), body == data[1000:2000]),
               (206, "bytes 1000-1999/100000", True))
    print("s3_sink selftest: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
