// How often, and how patiently, to repeat an operation that failed in a way
// that may pass (a store call that threw cairn::TransientError, an HTTP 503).
//
// One policy type and one backoff computation for every retry loop in Cairn:
// the engine's uploads and `cairn cp` (Composer's utils.retry) and the HTTP
// library's requests (cairn/http/retry.h) differ only in their settings.
//
// The contract: attempt 1 runs at once. Before attempt n (2, 3, ...) the caller
// waits backoff_before(n), which grows as initial_backoff * 2^(n-2), capped at
// max_backoff, with randomness (`jitter`) so that many workers hitting the same
// overloaded service do not all come back at the same moment. No attempt
// beyond max_attempts is made, nor one that would start after `deadline` has
// passed since the first. wait_before() answers both questions at once.
//
// Core layer (Cairn::sdk_core): no LibTorch.
#pragma once

#include <chrono>
#include <optional>

#include "cairn/export.h"

namespace cairn {

enum class Jitter {
  kAdded,  // the backoff plus uniform(0, max_jitter): Composer's utils.retry
  kFull,   // uniform(0, the backoff): "full jitter", which spreads many clients best
};

// The defaults are Composer's utils.retry (3 attempts, 1 s doubling, up to
// 0.5 s added); cairn::http::default_retry_policy() gives the HTTP library's.
struct CAIRN_EXPORT RetryPolicy {
  static constexpr std::chrono::milliseconds kNever = std::chrono::milliseconds::max();

  int max_attempts = 3;  // total, including the first
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff = kNever;  // kNever: the doubling is not capped
  Jitter jitter = Jitter::kAdded;
  std::chrono::milliseconds max_jitter{500};  // for Jitter::kAdded
  // No new attempt starts after this much time since the first one.
  std::chrono::milliseconds deadline = kNever;

  // The pause before attempt `attempt` (2, 3, ...), random as `jitter` says.
  std::chrono::milliseconds backoff_before(int attempt) const;

  // The pause before attempt `attempt` of an operation whose first attempt
  // began at `started`, or nullopt when that attempt must not be made: it is
  // beyond max_attempts, or it would start after the deadline.
  std::optional<std::chrono::milliseconds> wait_before(int attempt, std::chrono::steady_clock::time_point started) const;
};

}  // namespace cairn
