// Retrying an object-store call that failed transiently (Composer's
// utils.retry: num_attempts, exponential backoff with jitter), on the SDK's
// one RetryPolicy (cairn/retry.h).
//
// Only cairn::TransientError is retried: the same request may succeed later.
// Every other error (not found, permission, a local file missing) is final at
// once, since repeating it only delays the report.
#pragma once

#include <functional>
#include <string>

#include "cairn/retry.h"

namespace cairn {

// Runs `attempt(i)` for i = 0, 1, ... until it returns, pausing as `policy`
// says after each TransientError. The last TransientError, and any other
// exception, propagates. `on_retry` (optional) hears about each failure that
// will be retried, with its text.
void run_with_retries(const RetryPolicy& policy, const std::function<void(int attempt)>& attempt,
                      const std::function<void(int attempt, const std::string& cause)>& on_retry = {});

// Composer's arguments as a policy: `num_attempts` in all, the first backoff
// `initial_backoff_seconds`, doubling, plus up to half of it as jitter (as
// Composer's 1 s and 0.5 s). ConfigError unless num_attempts >= 1 and the
// backoff is >= 0; `owner` names the setting in the message.
RetryPolicy composer_retry_policy(int num_attempts, double initial_backoff_seconds, const std::string& owner);

}  // namespace cairn
