// Retrying an object-store call that failed transiently (Composer's
// utils.retry: num_attempts, exponential backoff with jitter).
//
// Only cairn::TransientError is retried: the same request may succeed later.
// Every other error (not found, permission, a local file missing) is final at
// once, since repeating it only delays the report.
#pragma once

#include <functional>
#include <string>

namespace cairn {

struct RetryPolicy {
  int num_attempts = 3;              // Composer's default
  double initial_backoff_seconds = 1.0;
  double max_jitter_seconds = 0.5;
};

// Runs `attempt(i)` for i = 0, 1, ... until it returns, sleeping
// initial_backoff * 2^i + uniform(0, max_jitter) after each TransientError.
// The last TransientError, and any other exception, propagates. `on_retry`
// (optional) hears about each failure that will be retried, with its text.
void run_with_retries(const RetryPolicy& policy, const std::function<void(int attempt)>& attempt,
                      const std::function<void(int attempt, const std::string& cause)>& on_retry = {});

// ConfigError unless num_attempts >= 1 and the backoffs are >= 0; `owner`
// names the setting in the message.
void validate_retry_policy(const RetryPolicy& policy, const std::string& owner);

}  // namespace cairn
