// AWS Signature Version 4 (header-signed requests), shared by every store that
// speaks it: S3 and S3-compatible endpoints today, GCS's HMAC keys and generic
// providers next, so there is one signer to get right.
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

#include "cairn/export.h"

namespace cairn::http::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" when the keys are long-term
};

struct Request {
  std::string method;
  std::string path = "/";                                    // raw: "/bucket/a b+c.bin"
  std::vector<std::pair<std::string, std::string>> query;    // raw names and values
  std::vector<std::pair<std::string, std::string>> headers;  // all headers to sign, host included
  std::string payload_hash;                                  // hex SHA-256, or "UNSIGNED-PAYLOAD"
};

struct Scope {
  std::string region;
  std::string service;
  std::string amz_date;         // "20150830T123600Z"
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
CAIRN_EXPORT std::string canonical_path(const std::string& raw_path, bool normalize);
// "a=1&b=x%20y": names and values encoded, sorted by name then value.
CAIRN_EXPORT std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& raw_query);

// Signs `request` as is: the caller has already added x-amz-date,
// x-amz-content-sha256 and x-amz-security-token where they belong.
CAIRN_EXPORT Signature sign(const Request& request, const Credentials& credentials, const Scope& scope);

// The HMAC chain AWS4<secret> -> date -> region -> service -> "aws4_request".
CAIRN_EXPORT std::string derive_signing_key(const std::string& secret, const std::string& date,
                                            const std::string& region, const std::string& service);

// "20150830T123600Z" for the current time (UTC).
CAIRN_EXPORT std::string amz_date_now();

}  // namespace cairn::http::sigv4
