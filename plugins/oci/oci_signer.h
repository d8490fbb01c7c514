// OCI request signing (signature version 1: draft-cavage HTTP signatures,
// rsa-sha256), on Cairn::http's RSA signing.
//
// The signing string is one "name: value" line per signed header, in the
// order of the headers="..." list, names lower-cased, joined by '\n'. The
// pseudo-header "(request-target)" is the lower-case method, a space, and the
// path and query exactly as sent (already percent-encoded). What the OCI SDKs
// sign, and what Cairn sends:
//   - every request: date (request-target) host;
//   - POST/PUT with a JSON body (CreateMultipartUpload, CommitMultipartUpload):
//     also content-length content-type x-content-sha256 (base64 SHA-256 of
//     the body);
//   - PutObject and UploadPart: only the first three. Their bodies are the
//     object's bytes, which the SDKs never hash for the signature (oci-go-sdk
//     and oci-objectstorage exclude them), so nothing is read twice.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/http/client.h"

namespace ocistore {

struct SigningKey {
  std::string key_id;           // "<tenancy OCID>/<user OCID>/<fingerprint>"
  std::string private_key_pem;  // the key_file's text
  std::string passphrase;       // pass_phrase; "" for an unencrypted key
};

struct SignedRequest {
  std::string signing_string;
  std::string signature;      // base64
  std::string authorization;  // the Authorization header's value
};

// "date (request-target) host" and, for a signed body, the three body headers.
const std::vector<std::string>& signed_header_names(bool with_body);

// Signs a request whose headers hold every name in `header_names` (looked up
// case-insensitively; "(request-target)" is built from `method` and `target`).
// The Authorization value lists its parameters as OCI's documentation does:
// version, headers, keyId, algorithm, signature. cairn::Error when a header to
// sign is missing or the key cannot sign (the message holds no key material).
SignedRequest sign_request(const std::string& method, const std::string& target, const cairn::http::Headers& headers,
                           const std::vector<std::string>& header_names, const SigningKey& key);

// The Date header's form (RFC 7231 IMF-fixdate): "Thu, 05 Jan 2014 21:31:40 GMT".
std::string http_date(std::time_t when);

// x-content-sha256: the base64 SHA-256 of a body.
std::string content_sha256(std::string_view body);

}  // namespace ocistore
