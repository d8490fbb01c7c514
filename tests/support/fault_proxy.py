#!/usr/bin/python3
"""A fault-injecting HTTP/1.1 reverse proxy on loopback, for S3 tests (stdlib only).

It sits between a client and a server (threaded, keep-alive, bodies streamed)
and, for a `rate` share of requests chosen by a seeded random generator,
injects one of these faults:

  Before forwarding (the server never sees the request, so it is unchanged):
    internal_error       500 InternalError, S3 XML error body
    service_unavailable  503 ServiceUnavailable
    slow_down            503 SlowDown
    request_timeout      400 RequestTimeout
    reset_before         TCP reset, no response
    stall                no answer for stall_seconds (longer than the client's
                         read timeout), then close
  After forwarding, on GET only (a GET changes nothing on the server):
    reset_mid            the status line, the headers and half the body, then
                         a TCP reset
    truncate_body        the headers with the full Content-Length, half the
                         body, then close
So a request the client sees succeed was served whole by the server, and a
failed one left no trace: faults never make a success silently wrong. A
request no chosen kind applies to (a PUT when only GET faults are enabled)
passes through uncounted. With concurrent clients the order in which requests
draw from the generator, so which request gets which fault, may vary; the
sequence of draws for a given seed does not.

Control (never faulted, never forwarded):
  GET  /__fault_proxy__/stats    {"requests", "forwarded", "passed", "faults": {kind: n}, ...}
  POST /__fault_proxy__/config?rate=R&kinds=a,b&seed=N   changes them (a seed restarts the draws)
  POST /__fault_proxy__/reset    zeroes the counters

CLI:  fault_proxy.py start --upstream http://127.0.0.1:PORT [--rate R] [--kinds a,b]
                     [--seed N] [--stall-seconds S] [--no-stdin]
        prints {"endpoint", "pid", "port", "upstream", ...} on one line, runs until stdin
        closes (or SIGTERM), then prints the final counters as one more JSON line.
      fault_proxy.py stats http://127.0.0.1:PORT
"""
import argparse
import contextlib
import json
import os
import random
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_relay  # noqa: E402
import loopback_server  # noqa: E402

CONTROL_PREFIX = "/__fault_proxy__/"
ERROR_FAULTS = {  # kind: (status, reason, S3 error code, message)
    "internal_error": (500, "Internal Server Error", "InternalError",
                       "We encountered an internal error. Please try again."),
    "service_unavailable": (503, "Service Unavailable", "ServiceUnavailable",
                            "Service is unable to handle request."),
    "slow_down": (503, "Slow Down", "SlowDown", "Please reduce your request rate."),
    "request_timeout": (400, "Bad Request", "RequestTimeout",
                        "Your socket connection to the server was not read from or written to "
                        "within the timeout period."),
}
BEFORE_FORWARD = tuple(ERROR_FAULTS) + ("reset_before", "stall")
AFTER_FORWARD_ON_GET = ("reset_mid", "truncate_body")
ALL_KINDS = BEFORE_FORWARD + AFTER_FORWARD_ON_GET


def parse_kinds(text):
    kinds = [k.strip() for k in text.split(",") if k.strip()] if text else list(ALL_KINDS)
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown:
        raise ValueError(f"unknown fault kind {unknown[0]!r}: use some of {', '.join(ALL_KINDS)}")
    return kinds


class FaultPlan:
    """Rate, kinds, seeded draws and counters, shared by the connection threads."""

    def __init__(self, rate=0.0, kinds=None, seed=0, stall_seconds=30.0):
        self.lock = threading.Lock()
        self.stall_seconds = stall_seconds
        self.configure(rate=rate, kinds=kinds or list(ALL_KINDS), seed=seed)
        self.reset_counters()

    def configure(self, rate=None, kinds=None, seed=None):
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate {rate} is outside 0..1")
        with self.lock:
            if rate is not None:
                self.rate = rate
            if kinds is not None:
                self.kinds = list(kinds)
            if seed is not None:
                self.seed = seed
                self.random = random.Random(seed)

    def reset_counters(self):
        with self.lock:
            self.counters = {"requests": 0, "forwarded": 0, "passed": 0, "upstream_errors": 0,
                             "faults": {k: 0 for k in ALL_KINDS}}

    def draw(self, method):
        """The fault for the next request (None: pass it through). Counts it."""
        with self.lock:
            self.counters["requests"] += 1
            # Two draws per request whatever the outcome, so that the
            # sequence does not depend on the methods seen.
            hit = self.random.random() < self.rate
            pick = self.random.random()
            usable = [k for k in self.kinds if k in BEFORE_FORWARD or method == "GET"]
            if not hit or not usable:
                self.counters["passed"] += 1
                return None
            return usable[int(pick * len(usable))]

    def count(self, key, kind=None):
        with self.lock:
            if kind:
                self.counters["faults"][kind] += 1
            else:
                self.counters[key] += 1

    def snapshot(self):
        with self.lock:
            return {**self.counters, "faults": dict(self.counters["faults"]),
                    "faults_total": sum(self.counters["faults"].values()),
                    "rate": self.rate, "kinds": list(self.kinds), "seed": self.seed}


def error_response(kind, method, target, request_id):
    status, reason, code, message = ERROR_FAULTS[kind]
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<Error><Code>{code}</Code><Message>{message} (injected by fault_proxy)</Message>"
            f"<Resource>{urllib.parse.urlsplit(target).path}</Resource>"
            f"<RequestId>fault-{request_id}</RequestId></Error>").encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\n").encode()
    return head, (b"" if method == "HEAD" else body)


class ConnectionHandler(socketserver.BaseRequestHandler):
    """One client connection: requests in order, one upstream connection."""

    def setup(self):
        self.plan = self.server.plan
        self.client = self.request
        self.client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.client.makefile("rb", buffering=http_relay.CHUNK)
        self.upstream = None
        self.closed = False

    def finish(self):
        self.close_upstream()
        with contextlib.suppress(OSError):
            self.reader.close()

    def handle(self):
        try:
            while not self.closed:
                head = http_relay.read_head(self.reader)
                if head is None:
                    return
                if head.target.startswith(CONTROL_PREFIX):
                    self.answer_control(head)
                else:
                    self.handle_request(head)
        except (OSError, http_relay.ProtocolError, ValueError):
            return  # the client went away or spoke garbage: drop the connection

    # --- faults ------------------------------------------------------------

    def handle_request(self, head):
        kind = self.plan.draw(head.method)
        if kind in ERROR_FAULTS:
            self.plan.count("faults", kind)
            if "100-continue" in (head.get("Expect") or "").lower():
                self.closed = True  # the body was never sent: the connection cannot go on
            else:
                http_relay.copy_body(self.reader, http_relay.request_framing(head), None)
            status_head, body = error_response(kind, head.method, head.target,
                                               self.plan.snapshot()["requests"])
            close = self.closed or head.wants_close()
            self.client.sendall(status_head + (b"Connection: close\r\n" if close else b"") +
                                b"\r\n" + body)
            self.closed = close
        elif kind == "reset_before":
            self.plan.count("faults", kind)
            self.drop(reset=True)
        elif kind == "stall":
            self.plan.count("faults", kind)
            self.stall()
        else:
            self.forward(head, kind)

    def stall(self):
        # Hold the connection, answering nothing, until the client gives up
        # (it closes its end) or the stall ends.
        deadline = time.monotonic() + self.plan.stall_seconds
        self.client.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                if not self.client.recv(65536):
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        self.drop(reset=False)

    def drop(self, reset):
        self.closed = True
        # The reader holds the socket open: close it first, or no FIN/RST goes out.
        with contextlib.suppress(OSError):
            self.reader.close()
        if reset:
            http_relay.reset(self.client)
        else:
            with contextlib.suppress(OSError):
                self.client.shutdown(socket.SHUT_RDWR)
            self.client.close()

    # --- forwarding --------------------------------------------------------

    def connect_upstream(self):
        if self.upstream is None:
            host, port = self.server.upstream
            sock = socket.create_connection((host, port), timeout=300)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.upstream = (sock, sock.makefile("rb", buffering=http_relay.CHUNK))
        return self.upstream

    def close_upstream(self):
        if self.upstream:
            sock, reader = self.upstream
            with contextlib.suppress(OSError):
                reader.close()
                sock.close()
            self.upstream = None

    def forward(self, head, kind):
        framing = http_relay.request_framing(head)
        if "100-continue" in (head.get("Expect") or "").lower():
            # Answer the expectation here, so the body streams straight through.
            self.client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            sock, upstream_reader = self.connect_upstream()
            sock.sendall(head.without("Expect", "Proxy-Connection").encode())
            http_relay.copy_body(self.reader, framing, sock.sendall)
            response = http_relay.read_head(upstream_reader)
            while response is not None and 100 <= response.status < 200:
                response = http_relay.read_head(upstream_reader)
            if response is None:
                raise http_relay.ProtocolError("upstream closed without a response")
        except (OSError, http_relay.ProtocolError):
            # Not an injected fault: the server failed. Tell the client so.
            self.plan.count("upstream_errors")
            self.close_upstream()
            self.client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\n\r\n")
            self.closed = True
            return
        self.plan.count("forwarded")
        response_framing = http_relay.response_framing(head.method, response)
        if kind is None:
            self.client.sendall(response.encode())
            http_relay.copy_body(upstream_reader, response_framing, self.client.sendall)
            if response_framing.until_close or response.wants_close():
                self.close_upstream()
                self.closed = True
            elif head.wants_close():
                self.closed = True
            return
        self.cut_response(response, response_framing, upstream_reader, kind)

    def cut_response(self, response, framing, upstream_reader, kind):
        # A truncation must be detectable: without a Content-Length or chunked
        # framing, or with an empty body, only a reset is.
        if kind == "truncate_body" and (framing.until_close or framing.empty):
            kind = "reset_mid"
        self.plan.count("faults", kind)
        encoded = response.encode()
        if framing.empty:
            self.client.sendall(encoded[:len(encoded) // 2])
        else:
            self.client.sendall(encoded)
            half = framing.length // 2 if framing.length else http_relay.CHUNK // 2
            http_relay.copy_body(upstream_reader, framing, self.client.sendall, limit=max(half, 1))
        self.close_upstream()  # its response was not read to the end
        self.drop(reset=kind == "reset_mid")

    # --- control -----------------------------------------------------------

    def answer_control(self, head):
        http_relay.copy_body(self.reader, http_relay.request_framing(head), None)
        url = urllib.parse.urlsplit(head.target)
        action = url.path[len(CONTROL_PREFIX):]
        query = dict(urllib.parse.parse_qsl(url.query))
        status = 200
        try:
            if action == "config" and head.method == "POST":
                self.plan.configure(
                    rate=float(query["rate"]) if "rate" in query else None,
                    kinds=parse_kinds(query["kinds"]) if "kinds" in query else None,
                    seed=int(query["seed"]) if "seed" in query else None)
            elif action == "reset" and head.method == "POST":
                self.plan.reset_counters()
            elif not (action == "stats" and head.method == "GET"):
                raise ValueError(f"unknown control request {head.method} {url.path}")
            body = json.dumps(self.plan.snapshot()).encode()
        except ValueError as e:
            status, body = 400, json.dumps({"error": str(e)}).encode()
        self.client.sendall(f"HTTP/1.1 {status} {'OK' if status == 200 else 'Bad Request'}\r\n"
                            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                            "\r\n".encode() + body)


class FaultProxy(socketserver.ThreadingTCPServer):
    """The proxy, listening on 127.0.0.1 at a port the kernel picks."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, upstream, plan):
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.port:
            raise ValueError(f"upstream {upstream!r} must be http://HOST:PORT")
        self.upstream = (parsed.hostname, parsed.port)
        self.upstream_url = upstream
        self.plan = plan
        super().__init__((loopback_server.LOOPBACK, 0), ConnectionHandler)
        self.port = self.server_address[1]
        self.endpoint = f"http://{loopback_server.LOOPBACK}:{self.port}"
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def fetch_stats(endpoint, timeout=30):
    with urllib.request.urlopen(endpoint + CONTROL_PREFIX + "stats", timeout=timeout) as r:
        return json.load(r)


def configure(endpoint, timeout=30, **settings):
    query = urllib.parse.urlencode({k: (",".join(v) if k == "kinds" else v)
                                    for k, v in settings.items() if v is not None})
    request = urllib.request.Request(f"{endpoint}{CONTROL_PREFIX}config?{query}", method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return json.load(r)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fault-injecting HTTP/1.1 proxy on loopback.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="run the proxy; print its JSON line; run until released")
    start.add_argument("--upstream", required=True, help="http://HOST:PORT of the server")
    start.add_argument("--rate", type=float, default=0.0, help="share of requests faulted, 0..1")
    start.add_argument("--kinds", default="", help=f"comma-separated, default all: {','.join(ALL_KINDS)}")
    start.add_argument("--seed", type=int, default=0)
    start.add_argument("--stall-seconds", type=float, default=30.0)
    start.add_argument("--no-stdin", action="store_true", help="ignore stdin: run until SIGTERM")
    stats = sub.add_parser("stats", help="print a running proxy's counters")
    stats.add_argument("endpoint")
    args = parser.parse_args(argv)

    if args.command == "stats":
        print(json.dumps(fetch_stats(args.endpoint)))
        return 0
    try:
        plan = FaultPlan(args.rate, parse_kinds(args.kinds), args.seed, args.stall_seconds)
        proxy = FaultProxy(args.upstream, plan).start()
    except ValueError as e:
        print(f"fault_proxy.py: {e}", file=sys.stderr)
        return 2
    info = {"endpoint": proxy.endpoint, "pid": os.getpid(), "port": proxy.port,
            "upstream": args.upstream, "rate": plan.rate, "kinds": plan.kinds, "seed": plan.seed}
    with contextlib.suppress(BrokenPipeError):
        loopback_server.serve_until_released(info, proxy.stop, watch_stdin=not args.no_stdin)
        print(json.dumps(plan.snapshot()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
