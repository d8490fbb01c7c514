#!/usr/bin/python3
"""A fast loopback S3 endpoint for benchmarks that still checks every request.

s3rver (Node) spends about as much CPU as a 1 GiB transfer takes wall time, so
a benchmark against it measures s3rver. This sink costs little per byte (large
readinto() calls, hashlib, which releases the GIL, sendall from memory) yet
checks what S3 checks: every request's SigV4 signature, recomputed with
botocore's S3SigV4Auth as an independent oracle over the headers named in
SignedHeaders at the request's X-Amz-Date (403 SignatureDoesNotMatch); each
body's SHA-256 against x-amz-content-sha256 (400 XAmzContentSHA256Mismatch;
UNSIGNED-PAYLOAD skips it, as on S3) and Content-MD5 when sent (400 BadDigest);
part ETags, order and the 5 MiB minimum at CompleteMultipartUpload. Objects
stay in memory as uploaded. ETags: a single PUT's is its MD5, a multipart
object's md5-of-part-ETags-N, as on S3; a part's is its MD5 only when its
SHA-256 is not signed (see upload_part: the MD5 would double the sink's CPU).

API (path-style http://127.0.0.1:PORT/BUCKET/KEY): CreateBucket, HeadBucket,
ListObjectsV2, PutObject, HeadObject, GetObject (Range -> 206), DeleteObject,
Create/Complete/AbortMultipartUpload, UploadPart; anything else 501.

CLI:  s3_sink.py start [--bucket B] [--region R] [--no-stdin]
        = `s3_peers.py start sink`: random keys per start, one JSON line {kind:
        "sink", endpoint, access_key, secret_key, region, bucket, pid, port,
        verifies_signatures}, then serves until stdin closes (or SIGTERM). The
        line holds the keys: never log it. pid is the serving process.
      s3_sink.py selftest    (s3_sink_selftest.py) awscli round trips, refusals
      s3_sink.py serve --port P [--region R]    the server, run by s3_peers.py; keys
        from CAIRN_SINK_ACCESS_KEY / CAIRN_SINK_SECRET_KEY; CAIRN_SINK_TRACE=1 logs
        each request (method, path, status) to its log
"""
import argparse
import base64
import calendar
import email.utils
import hashlib
import hmac
import http.server
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

MIN_PART = 5 << 20
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
UNSIGNED = "UNSIGNED-PAYLOAD"
MAX_SKEW_S = 15 * 60
AUTH = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request\s*,"
                  r"\s*SignedHeaders=([a-z0-9;\-]+)\s*,\s*Signature=([0-9a-f]{64})\s*$")


class S3Error(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def _oracle():
    """The signature botocore makes of a request (fixed_time_signer.py), with
    the timestamp and payload hash the request itself declares."""
    from fixed_time_signer import AWSRequest, Credentials, FixedTimeS3Signer

    def signature(method, url, headers, access, secret, region, timestamp, payload_hash):
        request = AWSRequest(method=method, url=url, headers=headers)
        return FixedTimeS3Signer(Credentials(access, secret), "s3", region, timestamp, payload_hash).sign(request)[2]
    return signature


def canonical_query(raw):
    """The query as SigV4 canonicalizes it (sorted, each part URI-encoded):
    botocore signs a URL's query as given, so it must get this form."""
    pairs = []
    for item in raw.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((urllib.parse.quote(urllib.parse.unquote(name), safe="-_.~"),
                          urllib.parse.quote(urllib.parse.unquote(value), safe="-_.~")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


class S3Object:
    """Bytes as uploaded: one chunk per PUT body or part, never joined (a 1 GiB
    join would cost the server a copy and twice the memory)."""

    def __init__(self, chunks, etag, content_type):
        self.chunks, self.etag, self.content_type = chunks, etag, content_type
        self.size = sum(len(c) for c in chunks)
        self.modified = time.time()

    def write_range(self, out, start, end):  # inclusive end
        offset = 0
        for chunk in self.chunks:
            lo, hi = max(start - offset, 0), min(end + 1 - offset, len(chunk))
            if lo < hi:
                out.write(memoryview(chunk)[lo:hi])
            offset += len(chunk)
            if offset > end:
                break


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.buckets = {}   # name -> {key: S3Object}
        self.uploads = {}   # upload id -> (bucket, key, content type, {part number: (body, md5 hex)})

    def bucket(self, name):
        with self.lock:
            if name not in self.buckets:
                raise S3Error(404, "NoSuchBucket", f"bucket {name} does not exist")
            return self.buckets[name]

    def upload(self, upload_id, bucket, key):
        with self.lock:
            upload = self.uploads.get(upload_id)
        if not upload or upload[:2] != (bucket, key):
            raise S3Error(404, "NoSuchUpload", "no such multipart upload")
        return upload


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse their connections
    disable_nagle_algorithm = True  # else a small reply can wait 40 ms for a delayed ACK
    timeout = 300
    server_version = "cairn-s3-sink"

    def log_message(self, fmt, *args):  # a line per request costs more than a request: only when asked
        if self.server.trace:
            sys.stderr.write(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else fmt % args}\n")

    def do_any(self):
        self.body_read = False
        try:
            path, _, query = self.path.partition("?")
            self.query = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
            self.verify_signature(path, query)
            body = self.read_body()
            bucket, _, key = urllib.parse.unquote(path).lstrip("/").partition("/")
            if not bucket:
                raise S3Error(501, "NotImplemented", "ListBuckets is not implemented")
            (self.object_call if key else self.bucket_call)(bucket, key, body)
        except S3Error as e:
            self.reply_error(e)
        except (ConnectionError, socket.timeout):
            self.close_connection = True

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_any

    # --- checks -----------------------------------------------------------------

    def header(self, name):
        values = self.headers.get_all(name)
        return ",".join(v.strip() for v in values) if values else None

    def verify_signature(self, path, query):
        auth = self.header("Authorization")
        if not auth:
            raise S3Error(403, "AccessDenied", "anonymous access is refused: sign the request")
        m = AUTH.match(auth)
        if not m:
            raise S3Error(400, "AuthorizationHeaderMalformed", "not a SigV4 Authorization header")
        access, day, region, service, signed, given = m.groups()
        config = self.server.config
        if access != config["access_key"]:
            raise S3Error(403, "InvalidAccessKeyId", "unknown access key id")
        if region != config["region"] or service != "s3":
            raise S3Error(400, "AuthorizationHeaderMalformed",
                          f"the credential scope should be {config['region']}/s3")
        amz_date = self.header("x-amz-date") or ""
        try:
            when = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            raise S3Error(403, "AccessDenied", "x-amz-date is missing or malformed") from None
        if abs(time.time() - when) > MAX_SKEW_S:
            raise S3Error(403, "RequestTimeTooSkewed", "x-amz-date is too far from the server's time")
        payload_hash = self.header("x-amz-content-sha256")
        if not payload_hash:
            raise S3Error(400, "InvalidRequest", "x-amz-content-sha256 is required")
        if payload_hash.startswith("STREAMING-"):
            raise S3Error(501, "NotImplemented", "aws-chunked bodies are not implemented")
        names = signed.split(";")
        missing = [n for n in names if self.header(n) is None]
        # botocore always signs these three: a request that does not cannot match.
        if missing or not {"host", "x-amz-date", "x-amz-content-sha256"} <= set(names):
            raise S3Error(403, "SignatureDoesNotMatch", "SignedHeaders must name host, x-amz-date, "
                          "x-amz-content-sha256 and only headers the request has")
        if day != amz_date[:8]:
            raise S3Error(403, "SignatureDoesNotMatch", "the credential scope's date is not x-amz-date's")
        # The path is signed as sent (S3 does not normalize it); the query in canonical form.
        url = "http://sink" + path + ("?" + canonical_query(query) if query else "")
        expected = config["oracle"](self.command, url, {n: self.header(n) for n in names},
                                    access, config["secret_key"], region, amz_date, payload_hash)
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise S3Error(403, "SignatureDoesNotMatch",
                          "the request signature we calculated does not match the signature you provided")
        self.payload_hash = payload_hash

    def read_body(self):
        if self.header("Transfer-Encoding"):
            raise S3Error(501, "NotImplemented", "Transfer-Encoding is not implemented: send Content-Length")
        length = int(self.header("Content-Length") or 0)
        body = bytearray(length)
        view, got = memoryview(body), 0
        while got < length:  # BufferedReader.readinto fills large buffers straight from the socket
            n = self.rfile.readinto(view[got:])
            if not n:
                self.close_connection = True
                raise S3Error(400, "IncompleteBody", "the body ended before Content-Length")
            got += n
        self.body_read = True
        if self.payload_hash != UNSIGNED and hashlib.sha256(body).hexdigest() != self.payload_hash:
            raise S3Error(400, "XAmzContentSHA256Mismatch", "the body's SHA-256 is not x-amz-content-sha256")
        return body

    # --- operations -----------------------------------------------------------------

    def bucket_call(self, bucket, _, body):
        store = self.server.store
        if self.command == "PUT":
            with store.lock:
                store.buckets.setdefault(bucket, {})
            return self.reply(200, headers={"Location": "/" + bucket})
        objects = store.bucket(bucket)
        if self.command == "HEAD":
            return self.reply(200)
        if self.command == "GET" and self.query.get("list-type") == "2":
            return self.list_objects(bucket, objects)
        raise S3Error(501, "NotImplemented", f"{self.command} on a bucket with this query is not implemented")

    def list_objects(self, bucket, objects):
        q = self.query
        prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
        max_keys = int(q.get("max-keys", "1000"))
        after = max(q.get("continuation-token", ""), q.get("start-after", ""))
        encode = (lambda k: urllib.parse.quote(k, safe="/")) if q.get("encoding-type") == "url" else (lambda k: k)
        with self.server.store.lock:
            keys = sorted(k for k in objects if k.startswith(prefix) and k > after)
            entries = {k: objects[k] for k in keys}
        contents, prefixes, last, truncated = [], [], None, False
        for k in keys:
            common = None
            if delimiter and delimiter in k[len(prefix):]:
                common = k[:len(prefix) + k[len(prefix):].index(delimiter) + len(delimiter)]
                if prefixes and prefixes[-1] == common:
                    last = k
                    continue
            if len(contents) + len(prefixes) >= max_keys:
                truncated = True
                break
            if common:
                prefixes.append(common)
            else:
                o = entries[k]
                contents.append(f"<Contents><Key>{escape(encode(k))}</Key><LastModified>{iso(o.modified)}"
                                f"</LastModified><ETag>&quot;{o.etag}&quot;</ETag><Size>{o.size}</Size>"
                                "<StorageClass>STANDARD</StorageClass></Contents>")
            last = k
        xml = (f'<ListBucketResult xmlns="{XMLNS}"><Name>{escape(bucket)}</Name><Prefix>{escape(encode(prefix))}'
               f"</Prefix><KeyCount>{len(contents) + len(prefixes)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>"
               f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>" + "".join(contents)
               + "".join(f"<CommonPrefixes><Prefix>{escape(encode(p))}</Prefix></CommonPrefixes>" for p in prefixes))
        if delimiter:
            xml += f"<Delimiter>{escape(encode(delimiter))}</Delimiter>"
        if q.get("encoding-type") == "url":
            xml += "<EncodingType>url</EncodingType>"
        if truncated:  # the last key listed: the next page starts after it
            xml += f"<NextContinuationToken>{escape(last)}</NextContinuationToken>"
        self.reply_xml(200, xml + "</ListBucketResult>")

    def object_call(self, bucket, key, body):
        store, q = self.server.store, self.query
        objects = store.bucket(bucket)
        if self.command == "PUT" and "uploadId" in q:
            return self.upload_part(bucket, key, body)
        if self.command == "PUT":
            if self.header("x-amz-copy-source"):
                raise S3Error(501, "NotImplemented", "CopyObject is not implemented")
            etag = self.md5_checked(body)
            with store.lock:
                objects[key] = S3Object([body], etag, self.header("Content-Type") or "binary/octet-stream")
            return self.reply(200, headers={"ETag": f'"{etag}"'})
        if self.command == "POST" and "uploads" in q:
            upload_id = uuid.uuid4().hex
            with store.lock:
                store.uploads[upload_id] = (bucket, key, self.header("Content-Type") or "binary/octet-stream", {})
            return self.reply_xml(200, f'<InitiateMultipartUploadResult xmlns="{XMLNS}"><Bucket>{escape(bucket)}'
                                  f"</Bucket><Key>{escape(key)}</Key><UploadId>{upload_id}</UploadId>"
                                  "</InitiateMultipartUploadResult>")
        if self.command == "POST" and "uploadId" in q:
            return self.complete(bucket, key, body)
        if self.command == "DELETE" and "uploadId" in q:
            store.upload(q["uploadId"], bucket, key)
            with store.lock:
                store.uploads.pop(q["uploadId"], None)
            return self.reply(204)
        if self.command == "DELETE":
            with store.lock:
                objects.pop(key, None)
            return self.reply(204)
        if self.command in ("GET", "HEAD") and not (set(q) & {"uploadId", "partNumber", "acl", "tagging"}):
            with store.lock:
                obj = objects.get(key)
            if obj is None:
                raise S3Error(404, "NoSuchKey", "the key does not exist")
            return self.get_object(obj)
        raise S3Error(501, "NotImplemented", f"{self.command} on an object with this query is not implemented")

    def md5_checked(self, body):
        md5 = hashlib.md5(body)
        sent = self.header("Content-MD5")
        if sent is not None and not hmac.compare_digest(sent.encode(), base64.b64encode(md5.digest())):
            raise S3Error(400, "BadDigest", "the body's MD5 is not Content-MD5")
        return md5.hexdigest()

    def upload_part(self, bucket, key, body):
        try:
            number = int(self.query.get("partNumber", ""))
        except ValueError:
            number = 0
        if not 1 <= number <= 10000:
            raise S3Error(400, "InvalidArgument", "partNumber must be 1 to 10000")
        parts = self.server.store.upload(self.query["uploadId"], bucket, key)[3]
        # A part's MD5 would cost the sink more CPU than the SHA-256 it must check
        # (hashlib: ~600 against ~1100 MiB/s here), and no client here compares part
        # ETags with MD5s (awscli and Cairn echo them back). So where the body's
        # SHA-256 is signed and checked, the ETag is its first 128 bits (as opaque as
        # S3's SSE-KMS ETags) and Content-MD5 adds nothing; else MD5, as on S3.
        # CAIRN_SINK_PART_MD5=1 makes every part's ETag its MD5.
        if self.payload_hash == UNSIGNED or self.server.part_md5:
            etag = self.md5_checked(body)
        else:
            etag = self.payload_hash[:32]
        with self.server.store.lock:
            parts[number] = (body, etag)
        self.reply(200, headers={"ETag": f'"{etag}"'})

    def complete(self, bucket, key, body):
        store = self.server.store
        _, _, content_type, parts = store.upload(self.query["uploadId"], bucket, key)
        try:
            root = ET.fromstring(bytes(body))
        except ET.ParseError:
            raise S3Error(400, "MalformedXML", "the part list is not XML") from None
        listed = [(int(p.findtext("{*}PartNumber") or p.findtext("PartNumber")),
                   (p.findtext("{*}ETag") or p.findtext("ETag") or "").strip().strip('"'))
                  for p in root.iter() if p.tag.split("}")[-1] == "Part"]
        if not listed:
            raise S3Error(400, "MalformedXML", "the part list is empty")
        numbers = [n for n, _ in listed]
        if numbers != sorted(set(numbers)):
            raise S3Error(400, "InvalidPartOrder", "parts must be listed in ascending order, once each")
        with store.lock:
            chosen = [parts.get(n) for n in numbers]
        for (number, etag), part in zip(listed, chosen):
            if part is None or part[1] != etag:
                raise S3Error(400, "InvalidPart", f"part {number} was not uploaded with that ETag")
        if any(len(part[0]) < MIN_PART for part in chosen[:-1]):
            raise S3Error(400, "EntityTooSmall", "every part but the last must be at least 5 MiB")
        etag = hashlib.md5(b"".join(bytes.fromhex(p[1]) for p in chosen)).hexdigest() + f"-{len(chosen)}"
        with store.lock:
            store.bucket(bucket)[key] = S3Object([p[0] for p in chosen], etag, content_type)
            store.uploads.pop(self.query["uploadId"], None)
        self.reply_xml(200, f'<CompleteMultipartUploadResult xmlns="{XMLNS}"><Location>/{escape(bucket)}/'
                       f"{escape(key)}</Location><Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key>"
                       f"<ETag>&quot;{etag}&quot;</ETag></CompleteMultipartUploadResult>")

    def get_object(self, obj):
        headers = {"ETag": f'"{obj.etag}"', "Content-Type": obj.content_type, "Accept-Ranges": "bytes",
                   "Last-Modified": email.utils.formatdate(obj.modified, usegmt=True)}
        start, end, status = 0, obj.size - 1, 200
        wanted = self.header("Range")
        if wanted:
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", wanted.strip())
            if m and m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), obj.size - 1) if m.group(2) else obj.size - 1
            elif m and m.group(2):  # the last N bytes
                start = max(obj.size - int(m.group(2)), 0)
            if not m or not (m.group(1) or m.group(2)) or start >= obj.size or start > end:
                raise S3Error(416, "InvalidRange", "the requested range is not satisfiable",
                              {"Content-Range": f"bytes */{obj.size}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{obj.size}"
        self.send_head(status, headers, end - start + 1)
        if self.command == "GET" and end >= start:
            obj.write_range(self.wfile, start, end)

    # --- replies ----------------------------------------------------------------------

    def send_head(self, status, headers, length):
        self.send_response(status)
        self.send_header("x-amz-request-id", uuid.uuid4().hex[:16].upper())
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def reply(self, status, body=b"", headers=None):
        self.send_head(status, headers or {}, len(body))
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def reply_xml(self, status, xml, headers=None):
        self.reply(status, ('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode(),
                   {"Content-Type": "application/xml", **(headers or {})})

    def reply_error(self, e):
        if not self.body_read and int(self.header("Content-Length") or 0) > 0:
            self.close_connection = True  # its body is still unread on the connection
        self.reply_xml(e.status, f"<Error><Code>{e.code}</Code><Message>{escape(e.message)}</Message>"
                       f"<Resource>{escape(self.path.split('?')[0])}</Resource></Error>", e.headers)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def serve(port, region):
    """Serves on 127.0.0.1:PORT until SIGTERM (s3_peers.py stops its group)."""
    config = {"access_key": os.environ["CAIRN_SINK_ACCESS_KEY"], "secret_key": os.environ["CAIRN_SINK_SECRET_KEY"],
              "region": region}
    try:
        config["oracle"] = _oracle()
    except ImportError as e:
        print(f"s3_sink.py: botocore is missing: {e}", file=sys.stderr)
        return 77
    server = Server(("127.0.0.1", port), Handler)
    server.config, server.store = config, Store()
    server.trace = os.environ.get("CAIRN_SINK_TRACE") == "1"  # requests -> the log (sink.log)
    server.part_md5 = os.environ.get("CAIRN_SINK_PART_MD5") == "1"
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        parser = argparse.ArgumentParser(prog="s3_sink.py serve")
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--region", default="us-east-1")
        args = parser.parse_args(sys.argv[2:])
        sys.exit(serve(args.port, args.region))
    if len(sys.argv) > 1 and sys.argv[1] == "selftest":
        import s3_sink_selftest
        sys.exit(s3_sink_selftest.main())
    if sys.argv[1:2] == ["start"]:
        import s3_peers
        sys.exit(s3_peers.main(["start", "sink", *sys.argv[2:]]))
    sys.exit(__doc__)
