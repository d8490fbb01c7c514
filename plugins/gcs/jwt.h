// The signed JWT a Google service account trades for an access token (RFC
// 7523 "JWT bearer" grant), made exactly as google-cloud-cpp and tensorstore
// make it: compact JSON with keys in alphabetical order
//   header {"alg":"RS256","kid":<private_key_id>,"typ":"JWT"}
//   claims {"aud":<token_uri>,"exp":iat+3600,"iat":...,"iss":<client_email>,"scope":...[,"sub":...]}
// each part base64url without padding, signed with RSASSA-PKCS1-v1_5 SHA-256.
// RS256 is deterministic, so the same inputs give the same bytes
// (../shared/reference/vectors/gcs/service-account-jwt.json).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gcsstore {

struct JwtClaims {
  std::string issuer;    // iss: the service account's client_email
  std::string scope;     // space-separated OAuth2 scopes
  std::string audience;  // aud: the token endpoint (the key file's token_uri)
  std::string subject;   // sub: a user to impersonate (domain-wide delegation); "" = none
  int64_t issued_at = 0;  // iat, seconds since the epoch
  int64_t lifetime_seconds = 3600;
};

struct Jwt {
  std::string encoded_header;
  std::string encoded_claims;
  std::string signature;  // base64url
  std::string token() const { return encoded_header + "." + encoded_claims + "." + signature; }
};

// base64url (RFC 4648 §5) without '=' padding.
std::string base64url(std::string_view bytes);

// Signs with `private_key_pem` (PKCS#8 or PKCS#1). `key_id` is the key file's
// private_key_id ("" leaves "kid" out). Throws cairn::Error on a bad key; the
// message never holds key material.
Jwt make_service_account_jwt(const JwtClaims& claims, const std::string& key_id, const std::string& private_key_pem);

// The token request's form body: grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>.
std::string jwt_grant_body(const std::string& assertion);

}  // namespace gcsstore
