"""HTTP/1.1 message heads and streamed bodies, for the fault proxy (stdlib only).

Bodies are copied in bounded chunks, never held whole, so a 1 GiB object
passes through in constant memory. Chunked bodies are relayed as they came
(chunk sizes, extensions and trailers untouched).
"""
import socket
import struct

CHUNK = 1 << 20
MAX_HEAD = 64 * 1024


class ProtocolError(Exception):
    """The peer sent something that is not HTTP/1.1 we can relay."""


class Head:
    """A request or response head: the start line and the headers in order."""

    def __init__(self, start_line, headers):
        self.start_line = start_line
        self.headers = headers  # [(name, value)], as received

    def get(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def without(self, *names):
        drop = {n.lower() for n in names}
        return Head(self.start_line, [(k, v) for k, v in self.headers if k.lower() not in drop])

    def encode(self):
        lines = [self.start_line] + [f"{k}: {v}" for k, v in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    # Request heads
    @property
    def method(self):
        return self.start_line.split(" ", 1)[0].upper()

    @property
    def target(self):
        parts = self.start_line.split(" ")
        return parts[1] if len(parts) > 1 else ""

    @property
    def version(self):
        return self.start_line.rsplit(" ", 1)[-1] if not self.start_line.startswith("HTTP/") \
            else self.start_line.split(" ", 1)[0]

    # Response heads
    @property
    def status(self):
        return int(self.start_line.split(" ", 2)[1])

    def wants_close(self):
        connection = (self.get("Connection") or "").lower()
        if "close" in connection:
            return True
        return self.version == "HTTP/1.0" and "keep-alive" not in connection


def read_head(reader):
    """Reads a head from a buffered reader; None on a clean EOF before it."""
    lines, size = [], 0
    while True:
        line = reader.readline(MAX_HEAD + 1)
        if not line:
            if not lines:
                return None
            raise ProtocolError("connection closed inside a message head")
        size += len(line)
        if size > MAX_HEAD:
            raise ProtocolError("message head larger than 64 KiB")
        line = line.rstrip(b"\r\n")
        if not line:
            if not lines:
                continue  # tolerate a stray CRLF between messages
            break
        lines.append(line.decode("latin-1"))
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"malformed header line {line[:60]!r}")
        headers.append((name.strip(), value.strip()))
    return Head(lines[0], headers)


class BodyFraming:
    """How a message's body ends: a length, chunked, until close, or none."""

    def __init__(self, length=None, chunked=False, until_close=False):
        self.length, self.chunked, self.until_close = length, chunked, until_close

    @property
    def empty(self):
        return not self.chunked and not self.until_close and self.length == 0


def request_framing(head):
    if "chunked" in (head.get("Transfer-Encoding") or "").lower():
        return BodyFraming(chunked=True)
    return BodyFraming(length=int(head.get("Content-Length") or 0))


def response_framing(request_method, head):
    status = head.status
    if request_method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return BodyFraming(length=0)
    if "chunked" in (head.get("Transfer-Encoding") or "").lower():
        return BodyFraming(chunked=True)
    length = head.get("Content-Length")
    if length is not None:
        return BodyFraming(length=int(length))
    return BodyFraming(until_close=True)


def copy_body(reader, framing, send, limit=None):
    """Copies a body from `reader`, passing each piece to `send` (None to
    discard). With `limit`, stops after that many body bytes and returns False
    (the body was cut); returns True when the whole body went through."""
    budget = [limit]

    def emit(data):
        if budget[0] is not None:
            if budget[0] <= 0:
                return False
            data = data[:budget[0]]
            budget[0] -= len(data)
        if send and data:
            send(data)
        return budget[0] is None or budget[0] > 0

    if framing.chunked:
        return _copy_chunked(reader, emit)
    remaining = framing.length
    while framing.until_close or remaining > 0:
        data = reader.read1(CHUNK if framing.until_close else min(CHUNK, remaining))
        if not data:
            if framing.until_close:
                return True
            raise ProtocolError(f"connection closed with {remaining} body bytes still due")
        if not framing.until_close:
            remaining -= len(data)
        if not emit(data):
            return remaining == 0 and not framing.until_close
    return True


def _copy_chunked(reader, emit):
    while True:
        size_line = reader.readline(1024)
        if not size_line.endswith(b"\n"):
            raise ProtocolError("connection closed inside a chunk size line")
        if not emit(size_line):
            return False
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while True:  # trailers, then the final CRLF
                line = reader.readline(MAX_HEAD)
                if not line:
                    raise ProtocolError("connection closed inside chunked trailers")
                if not emit(line):
                    return False
                if line in (b"\r\n", b"\n"):
                    return True
        remaining = size + 2  # the data and its CRLF
        while remaining > 0:
            data = reader.read1(min(CHUNK, remaining))
            if not data:
                raise ProtocolError("connection closed inside a chunk")
            remaining -= len(data)
            if not emit(data):
                return False


def reset(sock):
    """Closes `sock` with a TCP RST instead of an orderly FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()
