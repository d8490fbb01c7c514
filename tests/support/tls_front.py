"""HTTPS on loopback for tests (stdlib and the openssl command).

make_certificate(folder, name)  a self-signed certificate for 127.0.0.1, made
                                by `openssl req -x509` now, never checked in.
TlsFront(upstream, cert, key)   a TLS-terminating relay: it accepts TLS with
                                that certificate and passes the decrypted bytes
                                unchanged to a plain-HTTP loopback server (moto,
                                Azurite, the GCS and OCI fakes), so the server
                                sees the client's own Host header and
                                signatures. `handshakes` and `refused` count
                                finished and failed TLS handshakes (a client
                                that does not trust the certificate aborts it).

    with TlsFront("http://127.0.0.1:9000", cert, key) as front:
        front.endpoint   # https://127.0.0.1:PORT
"""
import os
import select
import socket
import ssl
import subprocess
import threading
import urllib.parse

LOOPBACK = "127.0.0.1"


def make_certificate(folder, name, host=LOOPBACK):
    """(certificate path, key path): RSA 2048, valid for a day, for `host` as
    its subject and its IP subjectAltName."""
    cert = os.path.join(folder, name + ".crt")
    key = os.path.join(folder, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class TlsFront:
    def __init__(self, upstream, cert, key):
        url = urllib.parse.urlsplit(upstream)
        self.upstream = (url.hostname, url.port)
        self.upstream_path = url.path  # kept in `endpoint`: Azurite's endpoints carry the account
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.endpoint = f"https://{LOOPBACK}:{self.port}{self.upstream_path}"
        self.handshakes = 0
        self.refused = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stopping = True
        try:
            self.listener.close()
        except OSError:
            pass

    def counts(self):
        with self.lock:
            return self.handshakes, self.refused

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            client.settimeout(30)
            tls = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            with self.lock:
                self.refused += 1
            client.close()
            return
        with self.lock:
            self.handshakes += 1
        try:
            upstream = socket.create_connection(self.upstream, timeout=30)
        except OSError:
            tls.close()
            return
        try:
            self._pump(tls, upstream)
        finally:
            for s in (tls, upstream):
                try:
                    s.close()
                except OSError:
                    pass

    @staticmethod
    def _pump(tls, upstream):
        tls.setblocking(False)
        upstream.setblocking(False)
        while True:
            # Bytes already decrypted inside the TLS object do not wake select.
            ready = [tls] if tls.pending() else select.select([tls, upstream], [], [], 60)[0]
            if not ready:
                return
            for source in ready:
                target = upstream if source is tls else tls
                try:
                    data = source.recv(65536)
                except (ssl.SSLWantReadError, BlockingIOError):
                    continue
                except OSError:
                    return
                if not data:
                    return
                target.setblocking(True)
                try:
                    target.sendall(data)
                except OSError:
                    return
                finally:
                    target.setblocking(False)
