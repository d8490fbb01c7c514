"""Runs a loopback peer CLI (s3_peers.py, azure_peers.py, tests/gcs/fake_gcs_server.py,
oci_fake_server.py) from a Python test, as loopback_peer.h does for C++ tests: it
reads the one JSON line the CLI prints and, when the `with` block ends, closes
its stdin, which stops the server and removes its folders.

    with PeerCli(["s3_peers.py", "start", "moto"]) as peer:
        peer.info["endpoint"]      # the line (it may hold keys: never print it)
    PeerCli raises Unavailable (its reason) when the peer cannot run here (exit 77).
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))


class Unavailable(Exception):
    pass


class PeerCli:
    def __init__(self, argv):
        script = argv[0] if os.path.isabs(argv[0]) else os.path.join(HERE, argv[0])
        self.process = subprocess.Popen([sys.executable, script, *argv[1:]], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            status = self.process.wait()
            raise RuntimeError(f"{argv[0]} printed no JSON line (exit status {status}); its stderr says why")
        self.info = json.loads(line)
        if "unavailable" in self.info:
            self.process.wait()
            raise Unavailable(f"{argv[0]}: {self.info['unavailable']}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                self.process.wait()
        self.process.stdout.close()
