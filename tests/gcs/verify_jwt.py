#!/usr/bin/python3
"""Verifies a JWT that Cairn made, with the libraries Google's Python users
have: PyJWT (python3-jwt) and google-auth (python3-google-auth).

  verify_jwt.py PRIVATE_KEY.pem TOKEN [AUDIENCE]

The public key is derived from the private key file. PyJWT checks the RS256
signature (expiry not checked, so fixed-time vectors pass too); google-auth's
jwt.decode checks the signature, and, given AUDIENCE, the audience and that
iat/exp hold now. Prints {"header", "pyjwt", "google_auth"} (google_auth null
without AUDIENCE); exits 1 with the reason when a library refuses the token.
"""
import json
import sys

import jwt
from cryptography.hazmat.primitives import serialization
from google.auth import jwt as google_jwt


def main(key_path, token, audience=None):
    with open(key_path, "rb") as f:
        private = serialization.load_pem_private_key(f.read(), None)
    public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, public, algorithms=["RS256"],
                            options={"verify_exp": False, "verify_aud": False, "verify_iat": False})
        verified = google_jwt.decode(token, certs=public, audience=audience) if audience else None
    except Exception as e:  # noqa: BLE001 - any refusal is the answer
        print(f"refused: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(json.dumps({"header": header, "pyjwt": claims, "google_auth": verified}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
