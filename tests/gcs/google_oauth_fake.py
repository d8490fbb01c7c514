"""Google's OAuth2 token endpoint and a VM's metadata server, as far as the
gcs store's tests need them, checking what Google checks (PyJWT and
cryptography from Debian, run with /usr/bin/python3). Used by
fake_gcs_server.py, which serves them next to its storage routes.

Token endpoint (POST /token, application/x-www-form-urlencoded):
  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT
      The JWT is verified with PyJWT against the service account's public key
      (derived from its key file): RS256 signature, header kid = the key's
      private_key_id and typ JWT, iss = client_email, aud = this endpoint's
      URL, a scope, exp - iat = 3600 and iat within five minutes of now.
  grant_type=refresh_token&client_id&client_secret&refresh_token
      Each must equal the authorized_user file's.
  Failures answer as Google does: 400 {"error": "invalid_grant" | "invalid_request" |
  "unsupported_grant_type", "error_description": ...}; 401 "invalid_client".
Metadata server (GET /computeMetadata/v1/instance/service-accounts/default/token,
  and GET / for the presence check): only with "Metadata-Flavor: Google",
  answering with that header too; 403 otherwise.
"""
import json
import secrets
import threading
import time
import urllib.parse

import jwt  # PyJWT (Debian python3-jwt)
from cryptography.hazmat.primitives import serialization

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
METADATA_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"
LIFETIME_S = 3600
CLOCK_SKEW_S = 300


class GrantError(Exception):
    def __init__(self, status, error, description):
        super().__init__(f"{error}: {description}")
        self.status, self.error, self.description = status, error, description

    def body(self):
        return json.dumps({"error": self.error, "error_description": self.description}).encode()


class OAuthFake:
    """Issues tokens and remembers them until they expire."""

    def __init__(self, service_account=None, authorized_user=None, token_lifetime=3599):
        self.lock = threading.Lock()
        self.service_account = service_account  # the key file's JSON
        self.public_key = None
        if service_account:
            private = serialization.load_pem_private_key(service_account["private_key"].encode(), None)
            self.public_key = private.public_key()
        self.authorized_user = authorized_user
        self.token_lifetime = token_lifetime
        self.tokens = {}  # token -> (expires at, monotonic; grant)
        self.grants = {"jwt_bearer": 0, "refresh_token": 0, "metadata": 0}
        self.refused = []  # why grants were refused, in order
        self.last_claims = None

    def _issue(self, grant):
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (time.monotonic() + self.token_lifetime, grant)
            self.grants[grant] += 1
        return {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}

    def token_valid(self, token):
        with self.lock:
            entry = self.tokens.get(token)
            return entry is not None and time.monotonic() < entry[0]

    def expire_all(self):
        with self.lock:
            self.tokens = {t: (0.0, g) for t, (_, g) in self.tokens.items()}

    def _refuse(self, status, error, description):
        with self.lock:
            self.refused.append(f"{error}: {description}")
        raise GrantError(status, error, description)

    # --- token endpoint -----------------------------------------------------

    def token_request(self, content_type, body, token_url):
        """Answers POST /token: (status, JSON bytes)."""
        try:
            if not (content_type or "").startswith("application/x-www-form-urlencoded"):
                self._refuse(400, "invalid_request", f"Content-Type {content_type!r} is not a form")
            form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
            grant = form.get("grant_type")
            if grant == JWT_BEARER:
                self._check_assertion(form.get("assertion", ""), token_url)
                return 200, json.dumps(self._issue("jwt_bearer")).encode()
            if grant == "refresh_token":
                self._check_refresh(form)
                return 200, json.dumps(self._issue("refresh_token")).encode()
            self._refuse(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")
        except GrantError as e:
            return e.status, e.body()
        except ValueError as e:
            error = GrantError(400, "invalid_request", f"malformed form: {e}")
            return error.status, error.body()

    def _check_assertion(self, assertion, token_url):
        if not self.service_account:
            self._refuse(400, "invalid_grant", "no service account is known here")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, self.public_key, algorithms=["RS256"], audience=token_url,
                                options={"require": ["iss", "aud", "iat", "exp", "scope"]},
                                leeway=CLOCK_SKEW_S)
        except jwt.PyJWTError as e:
            self._refuse(400, "invalid_grant", f"Invalid JWT Signature. ({type(e).__name__}: {e})")
        if header.get("typ") != "JWT" or header.get("kid") != self.service_account.get("private_key_id"):
            self._refuse(400, "invalid_grant", f"Invalid JWT header {header}")
        if claims["iss"] != self.service_account["client_email"]:
            self._refuse(400, "invalid_grant", f"Invalid issuer {claims['iss']!r}")
        if claims["exp"] - claims["iat"] != LIFETIME_S:
            self._refuse(400, "invalid_grant", "Invalid JWT: exp must be iat + 3600")
        if abs(claims["iat"] - time.time()) > CLOCK_SKEW_S:
            self._refuse(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) "
                         "and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
        if not str(claims["scope"]).strip():
            self._refuse(400, "invalid_scope", "Empty or missing scope not allowed.")
        with self.lock:
            self.last_claims = {"header": header, "claims": claims}

    def _check_refresh(self, form):
        user = self.authorized_user
        if not user:
            self._refuse(400, "invalid_grant", "no authorized user is known here")
        if form.get("client_id") != user["client_id"] or form.get("client_secret") != user["client_secret"]:
            self._refuse(401, "invalid_client", "The OAuth client was not found.")
        if form.get("refresh_token") != user["refresh_token"]:
            self._refuse(400, "invalid_grant", "Bad Request")

    # --- metadata server ----------------------------------------------------

    def metadata_request(self, path, flavor):
        """Answers GET on the metadata server's paths: (status, content type, body)."""
        if flavor != "Google":
            with self.lock:
                self.refused.append("metadata request without Metadata-Flavor: Google")
            return 403, "text/html", b"Missing required header: Metadata-Flavor"
        if path == "/":
            return 200, "application/text", b"computeMetadata/\n"
        if path == METADATA_TOKEN_PATH:
            return 200, "application/json", json.dumps(self._issue("metadata")).encode()
        return 404, "text/html", b"Not Found"

    def stats(self):
        with self.lock:
            return {"grants": dict(self.grants), "refused": list(self.refused),
                    "last_claims": self.last_claims}
