#include "remote/retry.h"

#include <chrono>
#include <sstream>
#include <thread>

#include "cairn/errors.h"

namespace cairn {

void run_with_retries(const RetryPolicy& policy, const std::function<void(int attempt)>& attempt,
                      const std::function<void(int attempt, const std::string& cause)>& on_retry) {
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0;; ++i) {
    try {
      attempt(i);
      return;
    } catch (const TransientError& e) {
      // Attempts count from 1 in the policy, from 0 here.
      const auto pause = policy.wait_before(i + 2, started);
      if (!pause) throw;
      if (on_retry) on_retry(i, e.what());
      std::this_thread::sleep_for(*pause);
    }
  }
}

RetryPolicy composer_retry_policy(int num_attempts, double initial_backoff_seconds, const std::string& owner) {
  if (num_attempts < 1) {
    throw ConfigError(owner + " num_attempts is " + std::to_string(num_attempts) +
                      "; it must be at least 1 (1 means no retries)");
  }
  // Also refuses NaN, and anything too long to sleep on (over a day).
  if (!(initial_backoff_seconds >= 0) || !(initial_backoff_seconds <= 86400)) {
    std::ostringstream given;
    given << initial_backoff_seconds;
    throw ConfigError(owner + " initial_backoff_seconds is " + given.str() +
                      "; give a number of seconds from 0 to 86400");
  }
  RetryPolicy policy;
  policy.max_attempts = num_attempts;
  policy.initial_backoff = std::chrono::round<std::chrono::milliseconds>(
      std::chrono::duration<double>(initial_backoff_seconds));
  policy.jitter = Jitter::kAdded;
  policy.max_jitter = policy.initial_backoff / 2;
  return policy;
}

}  // namespace cairn
