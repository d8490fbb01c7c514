#include "jwt.h"

#include <nlohmann/json.hpp>

#include "cairn/http/crypto.h"
#include "cairn/http/url.h"

namespace gcsstore {

namespace http = cairn::http;

std::string base64url(std::string_view bytes) {
  std::string text = http::base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

Jwt make_service_account_jwt(const JwtClaims& claims, const std::string& key_id, const std::string& private_key_pem) {
  // nlohmann::json objects keep their keys sorted and dump() is compact: the
  // alphabetical, space-free JSON Google's own C++ libraries sign.
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key_id.empty()) header["kid"] = key_id;
  nlohmann::json body = {{"aud", claims.audience},
                         {"exp", claims.issued_at + claims.lifetime_seconds},
                         {"iat", claims.issued_at},
                         {"iss", claims.issuer},
                         {"scope", claims.scope}};
  if (!claims.subject.empty()) body["sub"] = claims.subject;
  Jwt jwt;
  jwt.encoded_header = base64url(header.dump());
  jwt.encoded_claims = base64url(body.dump());
  jwt.signature = base64url(http::rsa_sha256_sign(private_key_pem, jwt.encoded_header + "." + jwt.encoded_claims));
  return jwt;
}

std::string jwt_grant_body(const std::string& assertion) {
  return "grant_type=" + http::percent_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
         "&assertion=" + http::percent_encode(assertion);
}

}  // namespace gcsstore
