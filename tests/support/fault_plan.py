"""What the fault proxy injects: the fault kinds, the seeded draws, the
counters, and the S3-style error answers (stdlib only). fault_proxy.py's
docstring describes each kind and what the client and the server see."""
import random
import threading
import urllib.parse

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
DEFAULT_KINDS = BEFORE_FORWARD + AFTER_FORWARD_ON_GET
AFTER_FORWARD_ANY = ("lost_response",)
ALL_KINDS = DEFAULT_KINDS + AFTER_FORWARD_ANY


def parse_kinds(text):
    kinds = [k.strip() for k in text.split(",") if k.strip()] if text else list(DEFAULT_KINDS)
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown:
        raise ValueError(f"unknown fault kind {unknown[0]!r}: use some of {', '.join(ALL_KINDS)}")
    return kinds


class FaultPlan:
    """Rate, kinds, seeded draws and counters, shared by the connection threads."""

    def __init__(self, rate=0.0, kinds=None, seed=0, stall_seconds=30.0):
        self.lock = threading.Lock()
        self.stall_seconds = stall_seconds
        self.configure(rate=rate, kinds=kinds or list(DEFAULT_KINDS), seed=seed)
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
            usable = [k for k in self.kinds
                      if k not in AFTER_FORWARD_ON_GET or method == "GET"]
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
