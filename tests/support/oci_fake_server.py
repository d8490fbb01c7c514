#!/usr/bin/python3
"""A loopback fake of OCI Object Storage's native API, for tests.

No OCI server runs offline, so this one stands in for it, and checks what the
real service checks: every request's signature with the user's public key
(oci_http_signature.py: unsigned, wrongly signed, stale or incompletely signed
requests get 401 NotAuthenticated, as OCI answers), and the object API's rules
(namespaces, buckets, multipart part numbers, etags and sizes, ranges).

  GET    /n/                                      the namespace, a JSON string
  HEAD   /n/{ns}/b/{bucket}/                      200, or 404 BucketNotFound
  GET    /n/{ns}/b/{bucket}/o?prefix&start&limit&fields   ListObjects, nextStartWith paging
  PUT    /n/{ns}/b/{bucket}/o/{name}              PutObject
  HEAD   /n/{ns}/b/{bucket}/o/{name}              HeadObject (Content-Length)
  GET    /n/{ns}/b/{bucket}/o/{name}  [Range]     GetObject (206 for a range)
  DELETE /n/{ns}/b/{bucket}/o/{name}              DeleteObject (404 ObjectNotFound)
  POST   /n/{ns}/b/{bucket}/u                     CreateMultipartUpload {"object"}
  PUT    /n/{ns}/b/{bucket}/u/{name}?uploadId&uploadPartNum   UploadPart
  POST   /n/{ns}/b/{bucket}/u/{name}?uploadId     CommitMultipartUpload {"partsToCommit"}
  DELETE /n/{ns}/b/{bucket}/u/{name}?uploadId     AbortMultipartUpload
Errors are OCI's JSON {"code", "message"} with an opc-request-id header.

Not signed, never faulted by a proxy in front (tests ask the fake directly):
  GET /__oci_fake__/stats    {"requests", "rejected": {reason: n}, "objects": {bucket: {name: size}},
                              "uploads_in_progress": n, "requests_by_operation": {...}}
  GET /__oci_fake__/object?bucket=B&name=N    the object's bytes, as stored
  POST /__oci_fake__/fail?operation=UploadPart&count=N&status=400&code=C
                             the next N properly signed requests of that operation fail so

CLI:  oci_fake_server.py start [--bucket B]... [--namespace NS] [--page-size N]
                        [--pass-phrase P [--traditional-key]] [--no-stdin]
        makes a fresh API key and an OCI config file for it in a temp folder,
        prints one JSON line {"endpoint", "config_file", "key_file", "namespace",
        "buckets", "key_id", "pid", "port"}, then serves until stdin closes (or
        SIGTERM); when `cryptography` is missing it prints {"unavailable": ...}
        and exits 77.
      oci_fake_server.py stats ENDPOINT
      oci_fake_server.py get ENDPOINT BUCKET NAME OUTPUT
      oci_fake_server.py fail ENDPOINT OPERATION COUNT STATUS CODE
"""
import argparse
import contextlib
import hashlib
import base64
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loopback_server  # noqa: E402

try:  # needs Python's cryptography; without it, `start` reports the peer unavailable
    import oci_http_signature
    MISSING = None
except ImportError as e:
    oci_http_signature, MISSING = None, str(e)

MIN_PART_SIZE = 10 << 20  # Object Storage: every part but the last is at least 10 MiB
MAX_PART_NUMBER = 10000
MAX_NAME_BYTES = 1024
CONTROL_PREFIX = "/__oci_fake__/"


class OciError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Store:
    """Buckets, objects and multipart uploads in memory, and the counters."""

    def __init__(self, namespace, buckets, page_size):
        self.namespace = namespace
        self.page_size = page_size
        self.lock = threading.Lock()
        self.buckets = {b: {} for b in buckets}  # bucket -> name -> bytes
        self.uploads = {}  # upload id -> {"bucket", "object", "parts": {num: (etag, bytes)}}
        self.requests = 0
        self.by_operation = {}
        self.rejected = {}
        self.failures = {}  # operation -> [count, status, code]: the next requests of it fail so

    def injected_failure(self, operation):
        """Raises the failure a test asked for, for the next requests of `operation`."""
        with self.lock:
            plan = self.failures.get(operation)
            if not plan or plan[0] <= 0:
                return
            plan[0] -= 1
        raise OciError(plan[1], plan[2], f"{operation} failed as the test asked (injected by the OCI fake)")

    def count(self, operation):
        with self.lock:
            self.requests += 1
            self.by_operation[operation] = self.by_operation.get(operation, 0) + 1

    def reject(self, reason):
        with self.lock:
            self.rejected[reason] = self.rejected.get(reason, 0) + 1

    def snapshot(self):
        with self.lock:
            return {"requests": self.requests, "requests_by_operation": dict(self.by_operation),
                    "rejected": dict(self.rejected),
                    "objects": {b: {n: len(d) for n, d in objs.items()} for b, objs in self.buckets.items()},
                    "uploads_in_progress": len(self.uploads)}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oci-fake/1"

    def log_message(self, *args):  # quiet: tests print what matters
        pass

    # --- plumbing ------------------------------------------------------

    def send_answer(self, status, body=b"", headers=None, content_type="application/json"):
        self.send_response(status)
        self.send_header("opc-request-id", uuid.uuid4().hex)
        if body or status not in (204, 304):
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def send_error_json(self, error):
        body = b"" if self.command == "HEAD" else json.dumps({"code": error.code, "message": error.message}).encode()
        self.send_answer(error.status, body)

    def read_body(self):
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            raise OciError(400, "InvalidParameter", "the request has more than one Content-Length header")
        if self.headers.get("Transfer-Encoding"):
            raise OciError(411, "MissingContentLength", "a Content-Length is required")
        if not lengths:
            if self.command in ("PUT", "POST"):
                raise OciError(411, "MissingContentLength", "a Content-Length is required")
            return b""
        length = int(lengths[0])
        data = bytearray()
        while len(data) < length:
            piece = self.rfile.read(min(1 << 20, length - len(data)))
            if not piece:
                raise ConnectionError("the client closed the connection mid-body")
            data += piece
        return bytes(data)

    def handle_any(self):
        try:
            body = self.read_body()
        except ConnectionError:
            self.close_connection = True
            return
        except OciError as e:
            self.close_connection = True
            return self.send_error_json(e)
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith(CONTROL_PREFIX):
            return self.control(url)
        store = self.server.store
        segments = url.path.split("/")
        operation = self.operation_name(segments)
        store.count(operation)
        try:
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                oci_http_signature.verify(
                    self.command, self.path, headers, body, self.server.public_key, self.server.key_id,
                    body_signed_optional=operation in ("PutObject", "UploadPart"))
            except oci_http_signature.Rejected as e:
                store.reject(str(e))
                raise OciError(401, "NotAuthenticated",
                               "The required information to complete authentication was not provided or was incorrect.")
            store.injected_failure(operation)
            self.route(segments, dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)), body)
        except OciError as e:
            self.send_error_json(e)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    def operation_name(self, segments):
        """The API operation a request is, by its path and method."""
        # ["", "n", ns, "b", bucket, "o"|"u", name]
        if len(segments) == 3:
            return "GetNamespace"
        kind = segments[5] if len(segments) > 5 else ""
        names = {("", "HEAD"): "HeadBucket", ("o", "GET"): "ListObjects", ("u", "POST"): "CreateMultipartUpload",
                 ("o/", "PUT"): "PutObject", ("o/", "GET"): "GetObject", ("o/", "HEAD"): "HeadObject",
                 ("o/", "DELETE"): "DeleteObject", ("u/", "PUT"): "UploadPart",
                 ("u/", "POST"): "CommitMultipartUpload", ("u/", "DELETE"): "AbortMultipartUpload"}
        return names.get((kind + ("/" if len(segments) > 6 else ""), self.command), "Other")

    # --- the object API ------------------------------------------------

    def route(self, segments, query, body):
        store = self.server.store
        if segments[:2] != ["", "n"]:
            raise OciError(404, "NotFound", "unknown path")
        if len(segments) == 3 and segments[2] == "" and self.command == "GET":
            return self.send_answer(200, json.dumps(store.namespace).encode())
        if len(segments) < 5 or segments[3] != "b":
            raise OciError(404, "NotFound", "unknown path")
        namespace, bucket = urllib.parse.unquote(segments[2]), urllib.parse.unquote(segments[4])
        if namespace != store.namespace or bucket not in store.buckets:
            raise OciError(404, "BucketNotFound", f"Either the bucket named '{bucket}' does not exist in the "
                           f"namespace '{namespace}' or you are not authorized to access it")
        rest = segments[5:]
        if rest in ([], [""]) and self.command == "HEAD":
            return self.send_answer(200)
        if rest == ["o"] and self.command == "GET":
            return self.list_objects(bucket, query)
        if rest == ["u"] and self.command == "POST":
            return self.create_upload(bucket, body)
        if len(rest) == 2 and rest[0] in ("o", "u"):
            name = urllib.parse.unquote(rest[1])
            if not name or len(name.encode()) > MAX_NAME_BYTES:
                raise OciError(400, "InvalidParameter", "object names are 1 to 1024 bytes")
            if rest[0] == "o":
                return self.object_call(bucket, name, body)
            return self.upload_call(bucket, name, query, body)
        raise OciError(405, "MethodNotAllowed", f"{self.command} is not allowed here")

    def list_objects(self, bucket, query):
        store = self.server.store
        prefix, start = query.get("prefix", ""), query.get("start", "")
        limit = min(int(query.get("limit", "1000")), store.page_size)
        fields = set(query.get("fields", "name").split(","))
        with store.lock:
            names = sorted(n for n in store.buckets[bucket] if n.startswith(prefix) and n >= start)
            page = [{"name": n, **({"size": len(store.buckets[bucket][n])} if "size" in fields else {})}
                    for n in names[:limit]]
        answer = {"objects": page, "prefixes": []}
        if len(names) > limit:
            answer["nextStartWith"] = names[limit]
        self.send_answer(200, json.dumps(answer).encode())

    def object_call(self, bucket, name, body):
        store = self.server.store
        objects = store.buckets[bucket]
        if self.command == "PUT":
            with store.lock:
                objects[name] = body
            return self.send_answer(200, headers={"ETag": hashlib.md5(body).hexdigest(),
                                                  "opc-content-md5": base64.b64encode(hashlib.md5(body).digest()).decode()})
        with store.lock:
            data = objects.get(name)
            if data is not None and self.command == "DELETE":
                del objects[name]
        if data is None:
            raise OciError(404, "ObjectNotFound", f"The object '{name}' was not found in the bucket '{bucket}'")
        if self.command == "DELETE":
            return self.send_answer(204)
        if self.command == "HEAD":
            return self.send_answer(200, headers={"Content-Length": str(len(data)), "ETag": hashlib.md5(data).hexdigest()},
                                    content_type="application/octet-stream")
        if self.command != "GET":
            raise OciError(405, "MethodNotAllowed", f"{self.command} is not allowed on objects")
        first, last = self.range_of(len(data))
        if first is None:
            return self.send_answer(200, data, content_type="application/octet-stream")
        return self.send_answer(206, data[first:last + 1], {"Content-Range": f"bytes {first}-{last}/{len(data)}"},
                                content_type="application/octet-stream")

    def range_of(self, size):
        text = self.headers.get("Range")
        if not text:
            return None, None
        try:
            unit, spec = text.split("=", 1)
            first_text, last_text = spec.split("-", 1)
            if unit.strip() != "bytes" or "," in spec:
                raise ValueError
            first = int(first_text)
            last = min(int(last_text), size - 1) if last_text else size - 1
        except ValueError:
            raise OciError(400, "InvalidRange", f"malformed Range {text!r}") from None
        if first > last or first >= size:
            raise OciError(416, "InvalidRange", f"Range {text!r} is outside the object's {size} bytes")
        return first, last

    def create_upload(self, bucket, body):
        store = self.server.store
        try:
            name = json.loads(body)["object"]
            if not isinstance(name, str) or not name:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise OciError(400, "InvalidParameter", "CreateMultipartUpload needs {\"object\": NAME}") from None
        upload_id = str(uuid.uuid4())
        with store.lock:
            store.uploads[upload_id] = {"bucket": bucket, "object": name, "parts": {}}
        self.send_answer(200, json.dumps({"namespace": store.namespace, "bucket": bucket, "object": name,
                                          "uploadId": upload_id, "timeCreated": "2024-01-01T00:00:00.000Z"}).encode())

    def upload_call(self, bucket, name, query, body):
        store = self.server.store
        upload_id = query.get("uploadId", "")
        with store.lock:
            upload = store.uploads.get(upload_id)
        if upload is None or upload["bucket"] != bucket or upload["object"] != name:
            raise OciError(404, "NoSuchUpload", f"No such upload '{upload_id}' for object '{name}'")
        if self.command == "PUT":
            try:
                number = int(query.get("uploadPartNum", ""))
            except ValueError:
                number = 0
            if not 1 <= number <= MAX_PART_NUMBER:
                raise OciError(400, "InvalidParameter", "uploadPartNum must be 1 to 10000")
            etag = hashlib.md5(body).hexdigest() + "-" + uuid.uuid4().hex[:8]
            with store.lock:
                upload["parts"][number] = (etag, body)
            return self.send_answer(200, headers={"ETag": etag})
        if self.command == "DELETE":
            with store.lock:
                store.uploads.pop(upload_id, None)
            return self.send_answer(204)
        if self.command == "POST":
            return self.commit(bucket, name, upload_id, upload, body)
        raise OciError(405, "MethodNotAllowed", f"{self.command} is not allowed on uploads")

    def commit(self, bucket, name, upload_id, upload, body):
        store = self.server.store
        try:
            wanted = [(int(p["partNum"]), p["etag"]) for p in json.loads(body)["partsToCommit"]]
        except (ValueError, KeyError, TypeError):
            raise OciError(400, "InvalidParameter", "CommitMultipartUpload needs partsToCommit [{partNum, etag}]") from None
        if not wanted:
            raise OciError(400, "InvalidParameter", "partsToCommit is empty")
        if len({n for n, _ in wanted}) != len(wanted):
            raise OciError(400, "InvalidParameter", "a part number appears twice in partsToCommit")
        wanted.sort()
        pieces = []
        for index, (number, etag) in enumerate(wanted):
            part = upload["parts"].get(number)
            if part is None or part[0] != etag:
                raise OciError(400, "InvalidUploadPart", f"part {number} with etag {etag!r} was not uploaded")
            if index < len(wanted) - 1 and len(part[1]) < MIN_PART_SIZE:
                raise OciError(400, "InvalidParameter",
                               f"part {number} has {len(part[1])} bytes; every part but the last needs 10 MiB")
            pieces.append(part[1])
        data = b"".join(pieces)
        with store.lock:
            if store.uploads.pop(upload_id, None) is None:
                raise OciError(404, "NoSuchUpload", f"No such upload '{upload_id}'")
            store.buckets[bucket][name] = data
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        self.send_answer(200, headers={"ETag": hashlib.md5(data).hexdigest(), "opc-multipart-md5": f"{md5}-{len(wanted)}"})

    # --- control -------------------------------------------------------

    def control(self, url):
        store = self.server.store
        action = url.path[len(CONTROL_PREFIX):]
        if action == "stats":
            return self.send_answer(200, json.dumps(store.snapshot()).encode())
        if action == "fail" and self.command == "POST":
            query = dict(urllib.parse.parse_qsl(url.query))
            with store.lock:
                store.failures[query["operation"]] = [int(query["count"]), int(query["status"]), query["code"]]
            return self.send_answer(200, b"{}")
        if action == "object":
            query = dict(urllib.parse.parse_qsl(url.query))
            with store.lock:
                data = store.buckets.get(query.get("bucket"), {}).get(query.get("name"))
            if data is None:
                return self.send_answer(404, b"no such object")
            return self.send_answer(200, data, content_type="application/octet-stream")
        self.send_answer(404, b"unknown control request")


class FakeServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, store, public_key, key_id):
        self.store, self.public_key, self.key_id = store, public_key, key_id
        super().__init__((loopback_server.LOOPBACK, 0), Handler)
        self.port = self.server_address[1]
        self.endpoint = f"http://{loopback_server.LOOPBACK}:{self.port}"

    def handle_error(self, request, client_address):
        # A client (or the fault proxy) dropping a connection is routine here.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def write_config(folder, key_file, public_key, pass_phrase, region="us-ashburn-1"):
    """An OCI config file for the fresh key, as `oci setup config` writes one."""
    tenancy = "ocid1.tenancy.oc1..aaaaaaaafaketenancy" + uuid.uuid4().hex[:12]
    user = "ocid1.user.oc1..aaaaaaaafakeuser" + uuid.uuid4().hex[:12]
    fp = oci_http_signature.fingerprint(public_key)
    lines = ["[DEFAULT]", f"user={user}", f"fingerprint={fp}", f"tenancy={tenancy}", f"region={region}",
             f"key_file={key_file}"]
    if pass_phrase:
        lines.append(f"pass_phrase={pass_phrase}")
    path = os.path.join(folder, "config")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path, f"{tenancy}/{user}/{fp}"


def control_get(endpoint, action, timeout=30):
    with urllib.request.urlopen(endpoint + CONTROL_PREFIX + action, timeout=timeout) as r:
        return r.read()


def main(argv=None):
    parser = argparse.ArgumentParser(description="A loopback fake of OCI Object Storage.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start")
    start.add_argument("--bucket", action="append", help="a bucket to serve (repeatable; default cairn-test)")
    start.add_argument("--namespace", default="cairnfakens")
    start.add_argument("--page-size", type=int, default=1000, help="largest ListObjects page")
    start.add_argument("--pass-phrase", default="", help="encrypt the key file with it")
    start.add_argument("--traditional-key", action="store_true", help="PKCS#1 PEM instead of PKCS#8")
    start.add_argument("--no-stdin", action="store_true")
    stats = sub.add_parser("stats")
    stats.add_argument("endpoint")
    get = sub.add_parser("get")
    get.add_argument("endpoint")
    get.add_argument("bucket")
    get.add_argument("name")
    get.add_argument("output")
    fail = sub.add_parser("fail")
    for name in ("endpoint", "operation", "count", "status", "code"):
        fail.add_argument(name)
    args = parser.parse_args(argv)

    if args.command == "fail":
        query = urllib.parse.urlencode({k: getattr(args, k) for k in ("operation", "count", "status", "code")})
        request = urllib.request.Request(f"{args.endpoint}{CONTROL_PREFIX}fail?{query}", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            return 0
    if args.command == "stats":
        print(control_get(args.endpoint, "stats").decode())
        return 0
    if args.command == "get":
        query = urllib.parse.urlencode({"bucket": args.bucket, "name": args.name})
        with open(args.output, "wb") as f:
            f.write(control_get(args.endpoint, "object?" + query))
        return 0

    if MISSING:
        return loopback_server.print_unavailable(
            f"the OCI fake needs Python's cryptography for /usr/bin/python3 (Debian python3-cryptography): {MISSING}")
    folder = tempfile.mkdtemp(prefix="cairn-oci-fake-")
    try:
        key_file, public_key = oci_http_signature.new_key_files(folder, args.pass_phrase or None, args.traditional_key)
        config_file, key_id = write_config(folder, key_file, public_key, args.pass_phrase)
        store = Store(args.namespace, args.bucket or ["cairn-test"], max(1, args.page_size))
        server = FakeServer(store, public_key, key_id)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        info = {"endpoint": server.endpoint, "config_file": config_file, "key_file": key_file,
                "namespace": args.namespace, "buckets": list(store.buckets), "key_id": key_id,
                "pid": os.getpid(), "port": server.port}
        print(f"oci fake: {server.endpoint}, namespace {args.namespace}, buckets {', '.join(store.buckets)}, "
              "signatures verified", file=sys.stderr, flush=True)

        def stop():
            server.shutdown()
            server.server_close()

        with contextlib.suppress(BrokenPipeError):
            loopback_server.serve_until_released(info, stop, watch_stdin=not args.no_stdin)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
