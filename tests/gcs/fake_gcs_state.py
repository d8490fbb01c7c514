"""What fake_gcs_server.py keeps: objects, resumable sessions, the faults it
is asked to inject and its counters, shared by its connection threads; and
Google's JSON error answer (stdlib only)."""
import json
import threading

import resumable_sessions as rs


def google_error(status, reason, message):
    return status, json.dumps({"error": {"code": status, "message": message,
                                         "errors": [{"reason": reason, "message": message}]}}).encode()


class State:
    def __init__(self, oauth, require_auth, page_size):
        self.lock = threading.Lock()
        self.oauth = oauth
        self.require_auth = require_auth
        self.page_size = page_size
        self.objects = {}  # (bucket, name) -> (bytes, generation)
        self.generation = 0
        self.sessions = rs.Sessions()
        self.chunk_faults = {}
        self.fail_next = 0
        self.forbidden = None
        self.counters = {"chunks": 0, "status_queries": 0, "sessions": 0, "cancelled": 0, "unauthorized": 0,
                         "storage_requests": 0}
        self.rejected = []

    def count(self, key):
        with self.lock:
            self.counters[key] += 1
            return self.counters[key]

    def store(self, bucket, name, data):
        with self.lock:
            self.generation += 1
            self.objects[(bucket, name)] = (bytes(data), self.generation)
            return self.generation

    def metadata(self, bucket, name):
        with self.lock:
            data, generation = self.objects[(bucket, name)]
        return {"kind": "storage#object", "bucket": bucket, "name": name, "size": str(len(data)),
                "generation": str(generation)}

    def configure(self, query):
        with self.lock:
            if "chunk_faults" in query:
                self.chunk_faults = parse_faults(query["chunk_faults"])
            if "fail_next" in query:
                self.fail_next = int(query["fail_next"])
            if "forbidden" in query:
                self.forbidden = query["forbidden"] or None
            if "page_size" in query:
                self.page_size = int(query["page_size"])
        if query.get("expire_tokens") == "1":
            self.oauth.expire_all()

    def stats(self):
        with self.lock:
            out = dict(self.counters, rejected=list(self.rejected),
                       objects=sorted(f"{b}/{n}" for b, n in self.objects))
        out.update(self.oauth.stats())
        return out


def parse_faults(text):
    faults = {}
    for item in filter(None, (text or "").split(",")):
        number, kind = item.split(":")
        if kind not in ("reset", "503", "short", "lost"):
            raise ValueError(f"unknown chunk fault {kind!r}")
        faults[int(number)] = kind
    return faults
