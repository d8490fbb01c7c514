"""The resumable upload protocol of GCS's JSON API, enforced as GCS enforces
it, for fake_gcs_server.py (stdlib only).

A session is made by POST .../o?uploadType=resumable (X-Upload-Content-Length
optional). Each PUT to the session URI carries Content-Range:
  "bytes */TOTAL" (or "bytes */*"), empty body: a status query. 308 with
      "Range: bytes=0-N" when N+1 bytes are persisted (no Range when none),
      200 with the object when the upload is complete.
  "bytes FIRST-LAST/TOTAL" (or ".../*" while the total is unknown): a chunk.
      Refused with 400, as GCS refuses them: a FIRST past the next byte the
      session expects (a gap), a body whose length is not LAST-FIRST+1, a
      chunk that is not the last whose length is not a multiple of 256 KiB,
      a TOTAL that contradicts X-Upload-Content-Length or an earlier chunk,
      bytes past the TOTAL. A FIRST below it is a replay of bytes GCS already
      has, which GCS accepts: the overlap is dropped (a client, or libcurl,
      may resend a chunk whose answer it never got). A chunk that ends at
      TOTAL-1 finishes the upload (200 with the object); any other is
      answered 308 with the new Range.
  A PUT to a finished session: 200 with the object again, as GCS answers.
  A DELETE cancels the session (499, as GCS answers); it is unknown after.
  An unknown session: 404.
"""
import re
import secrets
import threading

GRANULE = 256 * 1024
RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")


class ProtocolViolation(Exception):
    """A request GCS would refuse with 400; the message is GCS-like."""


class Session:
    def __init__(self, bucket, name, total):
        self.bucket, self.name = bucket, name
        self.total = total  # None until known
        self.data = bytearray()
        self.done = False
        self.lock = threading.Lock()


class Sessions:
    def __init__(self):
        self.lock = threading.Lock()
        self.sessions = {}

    def create(self, bucket, name, total):
        upload_id = "fake-" + secrets.token_urlsafe(16)
        with self.lock:
            self.sessions[upload_id] = Session(bucket, name, total)
        return upload_id

    def get(self, upload_id):
        with self.lock:
            return self.sessions.get(upload_id)

    def remove(self, upload_id):
        """A cancelled session (DELETE on its URI): gone, with what it held."""
        with self.lock:
            return self.sessions.pop(upload_id, None)


def parse_content_range(header):
    """-> (first, last, total): first/last None for a status query, total None for '*'."""
    match = RANGE.match(header or "")
    if not match:
        raise ProtocolViolation(f"Failed to parse Content-Range header: {header!r}")
    first, last, total = match.groups()
    return (None if first is None else int(first), None if last is None else int(last),
            None if total == "*" else int(total))


def check_chunk(session, first, last, total, body_length):
    """Raises ProtocolViolation for a chunk GCS would refuse; returns
    (final, overlap): whether it is the last chunk, and how many of its first
    bytes the session already has."""
    if session.total is not None and total is not None and total != session.total:
        raise ProtocolViolation(f"Content-Range total {total} differs from the upload's size {session.total}")
    known_total = total if total is not None else session.total
    persisted = len(session.data)
    if first > persisted:
        raise ProtocolViolation(f"Invalid request. According to the Content-Range header, the upload offset is "
                                f"{first} byte(s), which exceeds already uploaded size of {persisted} byte(s).")
    if last < first or last - first + 1 != body_length:
        raise ProtocolViolation(f"Content-Range bytes {first}-{last} do not match a body of {body_length} bytes")
    if known_total is not None and last >= known_total:
        raise ProtocolViolation(f"Content-Range bytes {first}-{last} go past the total of {known_total}")
    final = known_total is not None and last + 1 == known_total
    if not final and body_length % GRANULE != 0:
        raise ProtocolViolation(
            "Invalid request. The number of bytes uploaded is required to be equal or greater than 262144, "
            "except for the final request (it's recommended to be the exact multiple of 262144). The received "
            f"request contained {body_length} bytes, which does not meet this requirement.")
    return final, min(persisted - first, body_length)


def persisted_range(session):
    """The Range header of a 308, or None when nothing is persisted."""
    return f"bytes=0-{len(session.data) - 1}" if session.data else None
