// One request to GCS's JSON API, authorized with the store's token source,
// sent with retries, its failure mapped onto the SDK's error kinds. The
// store's operations are built from these calls.
//
// Google's errors ({"error": {"code", "message", "errors": [{"reason"}]}})
// are read for their reason and message. Retried: transport failures, 408,
// 429, 5xx, and the reasons google-cloud-storage retries (rateLimitExceeded,
// userRateLimitExceeded, internalError, backendError); a 401 once, with a
// fresh token (the cached one may have been revoked). Final errors:
// 404 -> NotFoundError; 401, 403 -> AuthenticationError naming the bucket,
// object, operation and credential source; retries exhausted ->
// TransientError; anything else StoreError. Each message names the
// operation, the object's gs:// URI, the HTTP status, Google's reason and
// message, and never a token.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cairn/http/client.h"
#include "cairn/http/retry.h"
#include "gcs_settings.h"
#include "token_source.h"

namespace gcsstore {

struct GcsCall {
  std::string operation;  // "upload", "download", ... (for messages)
  std::string object;     // the object name relative to the store; a listing: its prefix
  std::string method = "GET";
  std::string url;  // absolute and encoded (GcsClient's *_url helpers)
  bool bucket_level = false;  // a listing: messages name a prefix, not an object
  cairn::http::Headers headers;
  cairn::http::RequestBody body;
  cairn::http::ResponseSink sink;
  // Statuses that are answers here, not errors (308 for a resumable upload).
  std::vector<long> also_ok;
  // When set, a 2xx response with another body length is a (retried) failure.
  int64_t expected_body_bytes = -1;
  // A ranged GET: a 200 (the whole object instead of the range) fails.
  bool ranged = false;
  // A request to a resumable upload's session URI: 404 and 410 mean the
  // session is gone (expired, or finished by another request), a
  // TransientError, so that the caller's retry starts the upload again.
  bool session = false;
};

class GcsClient {
 public:
  GcsClient(GcsSettings settings, std::unique_ptr<TokenSource> tokens);

  const GcsSettings& settings() const { return settings_; }
  TokenSource& tokens() const { return *tokens_; }

  std::string key_of(const std::string& object_name) const { return settings_.prefix + object_name; }
  // "gs://bucket/prefix/name"
  std::string uri_of(const std::string& object_name) const;

  // The JSON API's URLs for an object name (relative to the store's prefix).
  std::string metadata_url(const std::string& object_name) const;  // GET (metadata), DELETE
  std::string media_url(const std::string& object_name, const std::string& generation) const;  // GET bytes
  std::string upload_url(const std::string& upload_type, const std::string& object_name) const;  // POST
  std::string list_url(const std::string& prefix, const std::string& page_token) const;

  // Sends `call` with the store's retry policy (or `policy`). Throws as the
  // file comment says.
  cairn::http::Response send(const GcsCall& call) const;
  cairn::http::Response send(const GcsCall& call, const cairn::RetryPolicy& policy) const;

  // The cairn error for a request's final failure.
  [[noreturn]] void fail(const GcsCall& call, const cairn::http::Failure& failure) const;

  // Removes this store's secrets and any credential-looking text.
  std::string scrub(const std::string& text) const;

 private:
  std::string api_root() const;

  GcsSettings settings_;
  std::unique_ptr<TokenSource> tokens_;
  std::string user_project_;  // x-goog-user-project, "" = none
  cairn::http::Client http_;
};

// What a Google API error response says (reason and message), or an excerpt
// of a body that is not one; the status alone for an empty body.
cairn::http::ServiceError parse_google_error(const cairn::http::Response& response);

// Whether google-cloud-storage retries an error with this reason.
bool is_retryable_reason(const std::string& reason);

}  // namespace gcsstore
