// Retrying requests: exponential backoff with full jitter, bounded attempts
// and a total deadline (a cairn::RetryPolicy, cairn/retry.h; the library's
// defaults come from default_retry_policy()).
//
// Retried: transport failures that TransportError marks retryable
// (connection errors, timeouts, truncated bodies), HTTP 408, 429 and 5xx, and
// whatever the service's `retryable` rule adds (S3: SlowDown, RequestTimeout,
// InternalError error codes, also inside a 200 response). The final error, a
// RequestError, carries the operation, the object, the HTTP status, the
// service's error code and message, and the number of attempts.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "cairn/errors.h"
#include "cairn/export.h"
#include "cairn/http/client.h"
#include "cairn/retry.h"

namespace cairn::http {

// What a store starts from before its own settings (the S3 store's
// client_config.retries): 5 attempts in all, a backoff from 200 ms doubling up
// to 20 s with full jitter (uniform in [0, backoff]), and no new attempt 300 s
// after the first.
CAIRN_EXPORT RetryPolicy default_retry_policy();

// What a service's error response says.
struct CAIRN_EXPORT ServiceError {
  long status = 0;       // 0: no HTTP response (transport failure)
  std::string code;      // "NoSuchKey", "SlowDown"; a libcurl name for transport failures
  std::string message;   // the service's message (already free of credentials)
};

// How to read a service's responses.
struct CAIRN_EXPORT ResponseRules {
  // The error a response carries, or nullopt when it succeeded. Default:
  // any status outside 2xx, with an empty code. S3 parses the XML <Error>
  // body here, and also finds errors in 200 responses.
  std::function<std::optional<ServiceError>(const Response&)> error_of;
  // Errors worth retrying on top of 408, 429 and 5xx.
  std::function<bool(const ServiceError&)> retryable;
  // Applied to every message before it goes into an error (see redact.h).
  std::function<std::string(const std::string&)> scrub;
};

// The final failure of a request.
struct CAIRN_EXPORT Failure {
  std::string operation;  // "upload", "download", "list", ...
  std::string object;     // the object's URI or name
  ServiceError error;
  int attempts = 0;
  bool retryable = false;  // the last error was retryable: we ran out of attempts or time

  // "upload of 's3://b/k' failed after 5 attempts: HTTP 503 SlowDown: Please reduce your request rate"
  std::string describe() const;
};

class CAIRN_EXPORT RequestError : public cairn::Error {
 public:
  explicit RequestError(Failure failure);
  ~RequestError() override;
  const Failure& failure() const { return failure_; }

 private:
  Failure failure_;
};

CAIRN_EXPORT bool is_retryable_status(long status);

// Sends `make_request()` (called afresh for each attempt, so signatures and
// dates are current) until a response without error arrives, and returns it.
// Throws RequestError when an error is not retryable, or attempts or the
// deadline run out. `on_bytes` as in Client::perform.
CAIRN_EXPORT Response send_with_retry(const Client& client, const std::function<Request()>& make_request,
                                      const ResponseRules& rules, const RetryPolicy& policy,
                                      const std::string& operation, const std::string& object,
                                      const std::function<void(uint64_t)>& on_bytes = {});

}  // namespace cairn::http
