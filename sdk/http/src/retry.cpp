#include "cairn/http/retry.h"

#include <thread>

namespace cairn::http {

namespace {

using Clock = std::chrono::steady_clock;

std::optional<ServiceError> default_error_of(const Response& response) {
  if (response.ok()) return std::nullopt;
  return ServiceError{response.status, "", ""};
}

std::string plural(int n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

}  // namespace

RequestError::RequestError(Failure failure) : cairn::Error(failure.describe()), failure_(std::move(failure)) {}
RequestError::~RequestError() = default;

RetryPolicy default_retry_policy() {
  RetryPolicy policy;
  policy.max_attempts = 5;
  policy.initial_backoff = std::chrono::milliseconds(200);
  policy.max_backoff = std::chrono::seconds(20);
  policy.jitter = Jitter::kFull;
  policy.deadline = std::chrono::seconds(300);
  return policy;
}

bool is_retryable_status(long status) { return status == 408 || status == 429 || status >= 500; }

std::string Failure::describe() const {
  std::string text = operation + " of '" + object + "' failed";
  if (attempts > 1) text += " after " + plural(attempts, "attempt");
  std::string cause;
  if (error.status != 0) {
    cause = "HTTP " + std::to_string(error.status) + (error.code.empty() ? "" : " " + error.code);
    if (!error.message.empty()) cause += ": " + error.message;
  } else {
    // A transport failure's message already names its code.
    cause = !error.message.empty() ? error.message : !error.code.empty() ? error.code : "no response";
  }
  return text + ": " + cause;
}

Response send_with_retry(const Client& client, const std::function<Request()>& make_request, const ResponseRules& rules,
                         const RetryPolicy& policy, const std::string& operation, const std::string& object,
                         const std::function<void(uint64_t)>& on_bytes) {
  const auto started = Clock::now();
  const auto error_of = rules.error_of ? rules.error_of : default_error_of;
  const auto scrub = [&](const std::string& text) { return rules.scrub ? rules.scrub(text) : text; };
  Failure failure{operation, object, {}, 0, false};
  for (int attempt = 1;; ++attempt) {
    failure.attempts = attempt;
    try {
      Response response = client.perform(make_request(), on_bytes);
      const auto error = error_of(response);
      if (!error) return response;
      failure.error = *error;
      failure.error.message = scrub(failure.error.message);
      failure.retryable = is_retryable_status(error->status) || (rules.retryable && rules.retryable(*error));
    } catch (const TransportError& e) {
      failure.error = ServiceError{0, e.code(), scrub(e.what())};
      failure.retryable = e.retryable();
    }
    if (!failure.retryable) break;
    const auto pause = policy.wait_before(attempt + 1, started);
    if (!pause) break;  // out of attempts, or the next would start after the deadline
    std::this_thread::sleep_for(*pause);
  }
  throw RequestError(std::move(failure));
}

}  // namespace cairn::http
