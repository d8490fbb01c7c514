// One signed S3 request, sent with retries, its failure mapped onto the SDK's
// error kinds. The store's transfers are built from these calls.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/http/client.h"
#include "cairn/http/retry.h"
#include "s3_settings.h"

namespace s3store {

struct S3Call {
  std::string operation;  // "upload", "download", ... (for messages)
  std::string object;     // the object name relative to the store ("" for bucket calls)
  std::string method = "GET";
  bool bucket_level = false;  // the bucket itself rather than an object
  std::vector<std::pair<std::string, std::string>> query;  // raw
  cairn::http::Headers headers;                            // extra headers, all signed
  cairn::http::RequestBody body;
  std::string payload_hash;  // for file bodies (hashed by the caller); "" = hash the memory body
  cairn::http::ResponseSink sink;
  // A 200 whose body is an <Error> document fails: S3 does that on
  // CompleteMultipartUpload, and a call whose answer is read must not take an
  // error document for an answer.
  bool error_may_come_with_200 = false;
  // When set, a 2xx response with another body length is a (retried) failure.
  int64_t expected_body_bytes = -1;
  // A ranged GET: a 200 (the server ignored Range and sends everything) fails.
  bool ranged = false;
};

class S3Client {
 public:
  explicit S3Client(S3Settings settings);

  const S3Settings& settings() const { return settings_; }
  // "s3://bucket/prefix/name"
  std::string uri_of(const std::string& object_name) const;

  // Sends `call` with retries. Throws NotFoundError, AuthenticationError,
  // TransientError (retries exhausted) or StoreError(kOther), each naming the
  // operation, the object's URI, the status, S3's error code and message.
  cairn::http::Response send(const S3Call& call, const std::function<void(uint64_t)>& on_bytes = {}) const;

  // The request as it goes on the wire, signed now (exposed for tests).
  cairn::http::Request build_request(const S3Call& call, const std::string& amz_date) const;

  // Removes this store's secrets and any credential-looking text.
  std::string scrub(const std::string& text) const;

 private:
  std::string key_of(const std::string& object_name) const { return settings_.prefix + object_name; }

  S3Settings settings_;
  cairn::http::Client http_;
  cairn::http::ResponseRules rules_;
};

// Whether an S3 error code is worth retrying (beyond 408, 429 and 5xx).
bool is_retryable_s3_code(const std::string& code);

}  // namespace s3store
