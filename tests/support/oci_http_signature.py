"""Checking OCI request signatures as Object Storage does, for the loopback fake
(tests/support/oci_fake_server.py). Needs Python's `cryptography` (Debian
python3-cryptography, which python3-libcloud and python3-azure pull in): the
RSA verification is a maintained library's, not ours.

OCI's rules (signature version 1, draft-cavage HTTP signatures, rsa-sha256):
  Authorization: Signature version="1",headers="date (request-target) host ...",
                 keyId="<tenancy>/<user>/<fingerprint>",algorithm="rsa-sha256",signature="<base64>"
  - the signing string is "name: value" per listed header, names lower-cased,
    joined by "\\n"; "(request-target)" is "<method lower> <path?query as sent>";
  - every request signs date (or x-date), (request-target) and host;
  - POST, PUT and PATCH also sign content-length, content-type and
    x-content-sha256 (base64 SHA-256 of the body), except Object Storage's
    PutObject and UploadPart, whose bodies the SDKs never hash;
  - a signed x-content-sha256 or content-length must match the body received;
  - the date may be at most 5 minutes off.
"""
import base64
import datetime
import email.utils
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
BODY_HEADERS = ("content-length", "content-type", "x-content-sha256")
_PARAMETER = re.compile(r'(\w+)="([^"]*)"')


class Rejected(Exception):
    """The request is not properly signed; the message says why (never the signature)."""


def fingerprint(public_key):
    """The API key's fingerprint as OCI shows it: MD5 of the DER public key, hex pairs with ':'."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def new_key_files(folder, passphrase=None, traditional=False):
    """A fresh 2048-bit RSA key pair as OCI's `oci setup keys` writes it:
    (private key path, public key object). With a passphrase the PEM is
    encrypted (PKCS#8, or PKCS#1 with Proc-Type headers when `traditional`)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if passphrase:
        encryption = serialization.BestAvailableEncryption(passphrase.encode())
    else:
        encryption = serialization.NoEncryption()
    fmt = (serialization.PrivateFormat.TraditionalOpenSSL if traditional
           else serialization.PrivateFormat.PKCS8)
    path = f"{folder}/oci_api_key.pem"
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, fmt, encryption))
    return path, key.public_key()


def load_public_key(path):
    """The public key of a PEM file holding either half of the pair."""
    with open(path, "rb") as f:
        data = f.read()
    if b"PRIVATE KEY" in data:
        raise ValueError(f"{path} holds a private key; pass the public one")
    return serialization.load_pem_public_key(data)


def _parameters(authorization):
    if not authorization or not authorization.startswith("Signature "):
        raise Rejected("no 'Authorization: Signature ...' header")
    params = dict(_PARAMETER.findall(authorization[len("Signature "):]))
    for name in ("version", "headers", "keyId", "algorithm", "signature"):
        if name not in params:
            raise Rejected(f"the Authorization header has no {name} parameter")
    if params["version"] != "1":
        raise Rejected(f"signature version {params['version']!r} is not 1")
    if params["algorithm"] != "rsa-sha256":
        raise Rejected(f"algorithm {params['algorithm']!r} is not rsa-sha256")
    return params


def verify(method, target, headers, body, public_key, key_id, body_signed_optional=False, now=None):
    """Raises Rejected unless the request is signed as OCI requires.

    `headers` maps lower-case names to values (one per name), `body` is the
    bytes received, `body_signed_optional` marks PutObject and UploadPart."""
    params = _parameters(headers.get("authorization"))
    if params["keyId"] != key_id:
        raise Rejected("unknown keyId (no such tenancy/user/fingerprint)")
    listed = params["headers"].split(" ")
    names = [n.lower() for n in listed]
    date_name = "x-date" if "x-date" in names else "date"
    for required in (date_name, "(request-target)", "host"):
        if required not in names:
            raise Rejected(f"the signature does not cover {required}")
    if method in ("POST", "PUT", "PATCH") and not body_signed_optional:
        for required in BODY_HEADERS:
            if required not in names:
                raise Rejected(f"a {method} must sign {required}")
    lines = []
    for name in names:
        if name == "(request-target)":
            value = f"{method.lower()} {target}"
        elif name not in headers:
            raise Rejected(f"signed header {name} is not in the request")
        else:
            value = headers[name]
        lines.append(f"{name}: {value}")
    if "x-content-sha256" in names:
        actual = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if headers["x-content-sha256"] != actual:
            raise Rejected("x-content-sha256 does not match the body")
    if "content-length" in names and headers["content-length"] != str(len(body)):
        raise Rejected("the signed content-length does not match the body")
    try:
        sent = email.utils.parsedate_to_datetime(headers[date_name])
    except (TypeError, ValueError):
        raise Rejected(f"{date_name} is not an HTTP date") from None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if sent.tzinfo is None or abs(now - sent) > MAX_CLOCK_SKEW:
        raise Rejected(f"{date_name} is more than 5 minutes off the server's clock")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
        public_key.verify(signature, "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise Rejected("the signature does not verify with the user's public key") from None
