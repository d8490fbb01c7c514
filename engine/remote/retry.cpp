#include "remote/retry.h"

#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "cairn/errors.h"

namespace cairn {

void run_with_retries(const RetryPolicy& policy, const std::function<void(int attempt)>& attempt,
                      const std::function<void(int attempt, const std::string& cause)>& on_retry) {
  // Jitter spreads the retries of concurrent workers hitting the same
  // overloaded endpoint, so they do not all come back at once.
  thread_local std::mt19937 jitter_source{std::random_device{}()};
  for (int i = 0;; ++i) {
    try {
      attempt(i);
      return;
    } catch (const TransientError& e) {
      if (i + 1 >= policy.num_attempts) throw;
      if (on_retry) on_retry(i, e.what());
      std::uniform_real_distribution<double> jitter(0.0, policy.max_jitter_seconds);
      const double seconds = policy.initial_backoff_seconds * std::ldexp(1.0, i) + jitter(jitter_source);
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    }
  }
}

void validate_retry_policy(const RetryPolicy& policy, const std::string& owner) {
  if (policy.num_attempts < 1) {
    throw ConfigError(owner + " num_attempts is " + std::to_string(policy.num_attempts) +
                      "; it must be at least 1 (1 means no retries)");
  }
  if (!(policy.initial_backoff_seconds >= 0) || !(policy.max_jitter_seconds >= 0)) {
    throw ConfigError(owner + " retry backoff must be zero or more seconds");
  }
}

}  // namespace cairn
