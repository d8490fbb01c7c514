"""Real-peer side of the integrity tests (run with /usr/bin/python3).

  save OUT                       torch.save a small state dict (no manifest)
  check-signed FILE PUBKEY       Python's zipfile finds a valid zip, torch.load
                                 reads it, and `cryptography` verifies Cairn's
                                 signature over the manifest with PUBKEY
  rewrite FILE RECORD [OLD NEW]  re-zips FILE with valid CRCs (zipfile's), the
                                 record RECORD's first byte flipped, or the
                                 text OLD replaced by NEW in it: a deliberate
                                 edit that a CRC check cannot see
  deflate FILE                   re-zips FILE with every record deflated
                                 (zipfile's ZIP_DEFLATED), which PyTorch never
                                 writes
"""
import base64
import hashlib
import json
import sys
import zipfile

import torch


def save(out):
    torch.manual_seed(0)
    torch.save({"weight": torch.randn(64, 32), "bias": torch.arange(32, dtype=torch.float32), "step": 7}, out)


def check_signed(path, pubkey_path):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        assert bad is None, "zipfile: bad CRC in %s" % bad
        names = z.namelist()
        folder = names[0].split("/")[0]
        manifest = z.read(folder + "/cairn/manifest.json")
        record = json.loads(z.read(folder + "/cairn/manifest.sig"))
        listed = {r["name"]: r for r in json.loads(manifest)["records"]}
        for name in names:
            if name.startswith(folder + "/cairn/"):
                continue
            assert hashlib.sha256(z.read(name)).hexdigest() == listed[name]["sha256"], name
    with open(pubkey_path, "rb") as f:
        key = serialization.load_pem_public_key(f.read())
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert record["key_sha256"] == hashlib.sha256(der).hexdigest(), "key fingerprint differs"
    signature = base64.b64decode(record["signature"])
    if isinstance(key, ed25519.Ed25519PublicKey):
        key.verify(signature, manifest)
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, manifest, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise SystemExit("unexpected key type")
    state = torch.load(path)
    assert "state" in state or len(state) > 0
    print("ok", record["key"], len(names), "records")


def rewrite(path, record, old=None, new=None):
    with zipfile.ZipFile(path) as z:
        items = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in items:
            if name == record:
                if old is None:
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                else:
                    assert old.encode() in data, "no %r in %s" % (old, name)
                    data = data.replace(old.encode(), new.encode(), 1)
            z.writestr(name, data)


def deflate(path):
    with zipfile.ZipFile(path) as z:
        items = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            z.writestr(name, data)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"save": save, "check-signed": check_signed, "rewrite": rewrite, "deflate": deflate}[command](*args)
