#!/usr/bin/python3
"""A loopback fake of the parts of Google Cloud Storage's JSON API, Google's
OAuth2 token endpoint and a VM's metadata server that the gcs store's tests
need where no real server exists offline (firebase-tools' emulator, the real
peer, has no chunked resumable uploads and checks no authorization). It
verifies what Google verifies: the resumable protocol (resumable_sessions.py),
the JWT and refresh grants and the metadata header (google_oauth_fake.py), and
that every storage request carries a token it issued and that has not expired.

Storage routes: POST /upload/storage/v1/b/B/o (uploadType=media|resumable),
PUT on a session URI (DELETE: cancels it), GET /storage/v1/b/B/o (list: prefix, pageToken; pages
of --page-size), GET /storage/v1/b/B/o/NAME (metadata; alt=media: the bytes),
GET /download/storage/v1/b/B/o/NAME?alt=media (Range, generation), DELETE.
Errors as Google sends them: {"error": {"code", "message", "errors": [{"reason"}]}}.

Faults, set by flags or POST /__fake__/config?...:
  chunk_faults=N:KIND,...  the Nth chunk PUT (1-based, status queries not counted):
      reset  half the body is read, whole 256 KiB granules of it are persisted,
             then the connection is reset (no answer)
      503    the body is read, nothing persisted, 503 backendError
      short  the body is read, only whole granules of half of it are
             persisted, 308 with that Range (GCS may keep less than was sent)
      lost   the chunk is applied, then its answer is cut off after part of
             its head: the client cannot tell what happened and must ask
  fail_next=N       the next N storage requests get 503 backendError
  forbidden=PREFIX  objects under PREFIX get 403 forbidden
  expire_tokens=1   every token issued so far expires now
GET /__fake__/stats: {"chunks", "status_queries", "sessions", "cancelled", "rejected": [...],
"unauthorized", "grants", "refused", "last_claims", "objects"}.

CLI: fake_gcs_server.py start [--service-account KEY.json] [--authorized-user USER.json]
       [--no-auth] [--page-size N] [--token-lifetime S] [--chunk-faults ...] [--no-stdin]
     prints {"endpoint", "token_uri", "metadata_host", "pid", "port"} and runs until
     stdin closes (tests/support/loopback_peer.h).
"""
import argparse
import contextlib
import json
import os
import socket
import struct
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import loopback_server  # noqa: E402
import resumable_sessions as rs  # noqa: E402
from fake_gcs_state import State, google_error, parse_faults  # noqa: E402
from google_oauth_fake import OAuthFake  # noqa: E402

CONTROL = "/__fake__/"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-gcs"

    def log_message(self, *args):
        pass

    # --- plumbing -----------------------------------------------------------

    @property
    def state(self):
        return self.server.state

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body or status not in (204, 308):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reset(self):
        """Ends the connection with a TCP reset: the client gets no answer."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def base_url(self):
        return f"http://{self.headers.get('Host')}"

    # --- dispatch -----------------------------------------------------------

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_PUT(self):
        self.route()

    def do_DELETE(self):
        self.route()

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        path = url.path
        try:
            if path.startswith(CONTROL):
                return self.control(path[len(CONTROL):], query)
            if path == "/token" and self.command == "POST":
                status, body = self.state.oauth.token_request(self.headers.get("Content-Type"), self.body(),
                                                              self.base_url() + "/token")
                return self.answer(status, body)
            if path == "/" or path.startswith("/computeMetadata/"):
                status, kind, body = self.state.oauth.metadata_request(path, self.headers.get("Metadata-Flavor"))
                return self.answer(status, body, kind, [("Metadata-Flavor", "Google")])
            return self.storage(path, query)
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True

    def control(self, action, query):
        self.body()
        if action == "config" and self.command == "POST":
            try:
                self.state.configure(query)
            except ValueError as e:
                return self.answer(400, json.dumps({"error": str(e)}).encode())
        elif not (action == "stats" and self.command == "GET"):
            return self.answer(404, b"{}")
        return self.answer(200, json.dumps(self.state.stats()).encode())

    # --- storage ------------------------------------------------------------

    def authorized(self):
        if not self.state.require_auth:
            return True
        value = self.headers.get("Authorization") or ""
        return value.startswith("Bearer ") and self.state.oauth.token_valid(value[len("Bearer "):])

    def storage(self, path, query):
        state = self.state
        state.count("storage_requests")
        # A session URI is its own credential (GCS checks no token on it).
        session_call = self.command in ("PUT", "DELETE") and "upload_id" in query
        if not session_call and not self.authorized():
            self.body()
            state.count("unauthorized")
            return self.answer(*google_error(401, "authError", "Invalid Credentials"),
                               headers=[("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')])
        with state.lock:
            failing = state.fail_next > 0
            state.fail_next -= 1 if failing else 0
        if failing:
            self.body()
            return self.answer(*google_error(503, "backendError", "Backend Error (injected by the fake)"))
        parts = path.split("/")
        # /upload/storage/v1/b/B/o | /storage/v1/b/B/o[/NAME] | /download/storage/v1/b/B/o/NAME
        if parts[1:4] == ["upload", "storage", "v1"] and parts[4] == "b" and parts[6:] == ["o"]:
            bucket = urllib.parse.unquote(parts[5])
            if session_call and self.command == "DELETE":
                return self.session_delete(query["upload_id"])
            if session_call:
                return self.session_put(query["upload_id"])
            return self.upload(bucket, query)
        offset = 2 if parts[1] == "download" else 1
        if parts[offset:offset + 3] != ["storage", "v1", "b"] or len(parts) < offset + 5 or parts[offset + 4] != "o":
            self.body()
            return self.answer(*google_error(404, "notFound", f"Not Found: {path}"))
        bucket = urllib.parse.unquote(parts[offset + 3])
        name = urllib.parse.unquote("/".join(parts[offset + 5:]))
        self.body()
        if not name:
            return self.listing(bucket, query)
        if state.forbidden and name.startswith(state.forbidden):
            return self.answer(*google_error(
                403, "forbidden", f"sa@p.iam.gserviceaccount.com does not have storage.objects.get access to "
                                  f"the Google Cloud Storage object. Permission denied on {bucket}/{name}."))
        if (bucket, name) not in state.objects:
            return self.answer(*google_error(404, "notFound", f"No such object: {bucket}/{name}"))
        if self.command == "DELETE":
            with state.lock:
                state.objects.pop((bucket, name), None)
            return self.answer(204)
        if query.get("alt") == "media":
            return self.media(bucket, name, query)
        return self.answer(200, json.dumps(state.metadata(bucket, name)).encode())

    def upload(self, bucket, query):
        state = self.state
        kind = query.get("uploadType")
        body = self.body()
        if kind == "media":
            name = query.get("name", "")
            if state.forbidden and name.startswith(state.forbidden):
                return self.answer(*google_error(
                    403, "forbidden", "sa@p.iam.gserviceaccount.com does not have storage.objects.create access "
                                      f"to the Google Cloud Storage object. Permission denied on {bucket}/{name}."))
            state.store(bucket, name, body)
            return self.answer(200, json.dumps(state.metadata(bucket, name)).encode())
        if kind == "resumable":
            metadata = json.loads(body) if body else {}
            name = metadata.get("name") or query.get("name", "")
            if query.get("name") and metadata.get("name") and query["name"] != metadata["name"]:
                return self.answer(*google_error(400, "invalid", "The object name in the query and body differ."))
            total = self.headers.get("X-Upload-Content-Length")
            upload_id = state.sessions.create(bucket, name, int(total) if total else None)
            state.count("sessions")
            location = (f"{self.base_url()}/upload/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o?"
                        f"uploadType=resumable&name={urllib.parse.quote(name, safe='')}&upload_id={upload_id}")
            return self.answer(200, b"", headers=[("Location", location)])
        return self.answer(*google_error(400, "invalid", f"uploadType {kind!r} is not served by this fake"))

    def session_put(self, upload_id):
        state = self.state
        session = state.sessions.get(upload_id)
        length = int(self.headers.get("Content-Length") or 0)
        if session is None:
            self.body()
            return self.answer(*google_error(404, "notFound", "No such upload session"))
        with session.lock:
            try:
                first, last, total = rs.parse_content_range(self.headers.get("Content-Range"))
                if first is None:
                    return self.status_query(session, length)
                return self.chunk(session, first, last, total, length)
            except rs.ProtocolViolation as e:
                with state.lock:
                    state.rejected.append(str(e))
                return self.answer(*google_error(400, "invalid", str(e)))

    def session_delete(self, upload_id):
        # GCS drops the session and what it holds, and answers 499; the
        # session is unknown (404) from then on.
        self.body()
        if self.state.sessions.remove(upload_id) is None:
            return self.answer(*google_error(404, "notFound", "No such upload session"))
        self.state.count("cancelled")
        return self.answer(*google_error(499, "clientClosedRequest", "Client Closed Request"))

    def status_query(self, session, length):
        self.state.count("status_queries")
        if length:
            self.rfile.read(length)
            raise rs.ProtocolViolation("a status query (Content-Range: bytes */N) must have an empty body")
        return self.session_reply(session)

    def session_reply(self, session):
        if session.done:
            return self.answer(200, json.dumps(self.state.metadata(session.bucket, session.name)).encode())
        persisted = rs.persisted_range(session)
        return self.answer(308, b"", headers=[("Range", persisted)] if persisted else [])

    def chunk(self, session, first, last, total, length):
        state = self.state
        number = state.count("chunks")
        fault = state.chunk_faults.get(number)
        if session.done:
            self.rfile.read(length)
            return self.session_reply(session)
        if fault == "reset":
            # Whole granules of the new bytes that arrived are kept, short of
            # completing the upload.
            received = self.rfile.read(length // 2)
            new = received[len(session.data) - first:] if first <= len(session.data) else b""
            keep = len(new) // rs.GRANULE * rs.GRANULE
            if len(session.data) + keep < (total or session.total or 1 << 62):
                session.data += new[:keep]
            return self.reset()
        body = self.rfile.read(length)
        final, overlap = rs.check_chunk(session, first, last, total, len(body))
        if total is not None:
            session.total = total
        if fault == "503":
            return self.answer(*google_error(503, "backendError", "Backend Error (injected by the fake)"))
        fresh = body[overlap:]
        if fault == "short":
            session.data += fresh[:len(fresh) // 2 // rs.GRANULE * rs.GRANULE]
            return self.session_reply(session)
        session.data += fresh
        if final:
            session.done = True
            state.store(session.bucket, session.name, session.data)
        if fault == "lost":
            status = "200 OK" if final else "308 Resume Incomplete"
            with contextlib.suppress(OSError):
                self.wfile.write(f"HTTP/1.1 {status}\r\nContent-Length: 4096\r\n\r\n".encode())
                self.wfile.flush()
            return self.reset()
        return self.session_reply(session)

    def listing(self, bucket, query):
        state = self.state
        prefix = query.get("prefix", "")
        with state.lock:
            names = sorted(n for b, n in state.objects if b == bucket and n.startswith(prefix))
            page_size = state.page_size
        start = int(query.get("pageToken") or 0)
        page = names[start:start + page_size]
        answer = {"kind": "storage#objects",
                  "items": [state.metadata(bucket, n) for n in page if (bucket, n) in state.objects]}
        if start + page_size < len(names):
            answer["nextPageToken"] = str(start + page_size)
        return self.answer(200, json.dumps(answer).encode())

    def media(self, bucket, name, query):
        with self.state.lock:
            data, generation = self.state.objects[(bucket, name)]
        if query.get("generation") and query["generation"] != str(generation):
            return self.answer(404, b"No such object generation", "text/plain")
        headers = [("x-goog-generation", str(generation))]
        ranged = self.headers.get("Range")
        if ranged:
            first, _, last = ranged[len("bytes="):].partition("-")
            first, last = int(first), min(int(last or len(data) - 1), len(data) - 1)
            headers.append(("Content-Range", f"bytes {first}-{last}/{len(data)}"))
            return self.answer(206, data[first:last + 1], "application/octet-stream", headers)
        return self.answer(200, data, "application/octet-stream", headers)


class FakeGcsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state):
        self.state = state
        super().__init__((loopback_server.LOOPBACK, 0), Handler)
        self.port = self.server_address[1]
        self.endpoint = f"http://{loopback_server.LOOPBACK}:{self.port}"
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def stop(self):
        self.shutdown()
        self.server_close()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Loopback fake of GCS's JSON API, OAuth2 and metadata server.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start")
    start.add_argument("--service-account", help="a service_account key file whose JWTs are accepted")
    start.add_argument("--authorized-user", help="an authorized_user file whose refresh grants are accepted")
    start.add_argument("--no-auth", action="store_true", help="accept storage requests without a token")
    start.add_argument("--page-size", type=int, default=1000)
    start.add_argument("--token-lifetime", type=int, default=3599)
    start.add_argument("--chunk-faults", default="")
    start.add_argument("--no-stdin", action="store_true")
    args = parser.parse_args(argv)

    def load(path):
        if not path:
            return None
        with open(path) as f:
            return json.load(f)

    oauth = OAuthFake(load(args.service_account), load(args.authorized_user), args.token_lifetime)
    state = State(oauth, not args.no_auth, args.page_size)
    state.chunk_faults = parse_faults(args.chunk_faults)
    server = FakeGcsServer(state)
    server.thread.start()
    info = {"endpoint": server.endpoint, "token_uri": server.endpoint + "/token",
            "metadata_host": f"{loopback_server.LOOPBACK}:{server.port}", "pid": os.getpid(), "port": server.port}
    with contextlib.suppress(BrokenPipeError):
        loopback_server.serve_until_released(info, server.stop, watch_stdin=not args.no_stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
