// AWS Signature Version 4 (header-signed requests) on Cairn::http's OpenSSL
// primitives.
//
// The signer takes a request in its raw, unencoded form (path and query as the
// user means them) and both canonicalises it for the signature and gives the
// encoded path and query to put on the wire, so what is signed is exactly what
// is sent. S3 rules by default: the path is encoded once and never normalised
// (S3 keys may contain "//", "./" or "../"); other services normalise.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace s3store {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" when the keys are long-term
};

struct SigningRequest {
  std::string method;
  std::string path = "/";                                   // raw: "/bucket/a b+c.bin"
  std::vector<std::pair<std::string, std::string>> query;  // raw names and values
  std::vector<std::pair<std::string, std::string>> headers;  // all headers to sign, host included
  std::string payload_hash;                                  // hex SHA-256, or "UNSIGNED-PAYLOAD"
};

struct SigningScope {
  std::string region;
  std::string service;
  std::string amz_date;  // "20150830T123600Z"
  bool normalize_path = false;  // S3: false
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-content-sha256;x-amz-date"
  std::string signature;       // hex
  std::string authorization;   // the Authorization header's value
};

// The canonical URI: normalised when asked, then each segment percent-encoded.
std::string canonical_path(const std::string& raw_path, bool normalize);
// "a=1&b=x%20y": names and values encoded, sorted by name then value.
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& raw_query);

// Signs `request` as is: the caller has already added x-amz-date,
// x-amz-content-sha256 and x-amz-security-token where they belong.
Signature sign_v4(const SigningRequest& request, const Credentials& credentials, const SigningScope& scope);

// The HMAC chain AWS4<secret> -> date -> region -> service -> "aws4_request".
std::string derive_signing_key(const std::string& secret, const std::string& date, const std::string& region,
                               const std::string& service);

// "20150830T123600Z" for the current time (UTC).
std::string amz_date_now();

}  // namespace s3store
