#include "cairn/retry.h"

#include <algorithm>
#include <random>

namespace cairn {

namespace {

using Milliseconds = std::chrono::milliseconds;

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// Uniform in [0, ceiling]; long double so that a cap of kNever cannot overflow.
long double uniform_up_to(long double ceiling) {
  if (ceiling <= 0) return 0;
  std::uniform_int_distribution<long long> pick(0, static_cast<long long>(ceiling));
  return static_cast<long double>(pick(thread_rng()));
}

}  // namespace

Milliseconds RetryPolicy::backoff_before(int attempt) const {
  // Past 30 doublings any useful backoff has long reached its cap.
  const int doublings = std::clamp(attempt - 2, 0, 30);
  const long double never = static_cast<long double>(kNever.count());
  const long double grown = static_cast<long double>(initial_backoff.count()) * static_cast<long double>(1ULL << doublings);
  const long double backoff = std::min({grown, static_cast<long double>(max_backoff.count()), never});
  const long double pause =
      jitter == Jitter::kFull ? uniform_up_to(backoff) : backoff + uniform_up_to(static_cast<long double>(max_jitter.count()));
  return Milliseconds(static_cast<Milliseconds::rep>(std::min(pause, never)));
}

std::optional<Milliseconds> RetryPolicy::wait_before(int attempt, std::chrono::steady_clock::time_point started) const {
  if (attempt > max_attempts) return std::nullopt;
  const Milliseconds pause = backoff_before(attempt);
  // In long double milliseconds: exact enough, and a deadline of kNever
  // cannot overflow as it would in the clock's nanoseconds.
  using Ms = std::chrono::duration<long double, std::milli>;
  const Ms ends_at = std::chrono::steady_clock::now() - started + Ms(pause.count());
  if (ends_at > Ms(deadline.count())) return std::nullopt;
  return pause;
}

}  // namespace cairn
