// The one retry policy (cairn/retry.h): the backoff it computes under each
// jitter, and when it allows no further attempt.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>

#include "cairn/retry.h"

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(defaults_are_composers_doubling_plus_added_jitter) {
  const cairn::RetryPolicy policy;
  BOOST_TEST(policy.max_attempts == 3);
  milliseconds::rep largest_second = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto second = policy.backoff_before(2).count();
    BOOST_TEST((second >= 1000 && second <= 1500), second);
    largest_second = std::max(largest_second, second);
    const auto third = policy.backoff_before(3).count();
    BOOST_TEST((third >= 2000 && third <= 2500), third);
  }
  BOOST_TEST(largest_second > 1000);  // the jitter is there
}

BOOST_AUTO_TEST_CASE(full_jitter_stays_under_the_capped_backoff) {
  cairn::RetryPolicy policy;
  policy.jitter = cairn::Jitter::kFull;
  policy.initial_backoff = milliseconds(100);
  policy.max_backoff = milliseconds(1000);
  milliseconds::rep largest_third = 0;
  for (int i = 0; i < 2000; ++i) {
    BOOST_TEST(policy.backoff_before(2).count() <= 100);
    largest_third = std::max(largest_third, policy.backoff_before(3).count());
    BOOST_TEST(policy.backoff_before(40).count() <= 1000);
  }
  BOOST_TEST(largest_third > 100);  // the ceiling doubles
  BOOST_TEST(largest_third <= 200);
}

BOOST_AUTO_TEST_CASE(uncapped_backoff_saturates_instead_of_overflowing) {
  cairn::RetryPolicy policy;
  policy.initial_backoff = milliseconds(1 << 20);
  policy.max_jitter = milliseconds(0);
  // The doubling stops after 30 steps.
  BOOST_TEST(policy.backoff_before(1000).count() == (1LL << 50));
  policy.initial_backoff = cairn::RetryPolicy::kNever;
  policy.max_jitter = cairn::RetryPolicy::kNever;
  BOOST_TEST((policy.backoff_before(40) == cairn::RetryPolicy::kNever));
}

BOOST_AUTO_TEST_CASE(no_attempt_beyond_max_attempts) {
  cairn::RetryPolicy policy;
  policy.initial_backoff = milliseconds(0);
  policy.max_jitter = milliseconds(0);
  policy.max_attempts = 2;
  const auto started = Clock::now();
  BOOST_TEST(policy.wait_before(2, started).has_value());
  BOOST_TEST(!policy.wait_before(3, started).has_value());
  policy.max_attempts = 1;  // no retries at all
  BOOST_TEST(!policy.wait_before(2, started).has_value());
}

BOOST_AUTO_TEST_CASE(no_attempt_after_the_deadline) {
  cairn::RetryPolicy policy;
  policy.max_attempts = 100;
  policy.initial_backoff = milliseconds(0);
  policy.max_jitter = milliseconds(0);
  // Without a deadline, any time since the first attempt is fine.
  const auto long_ago = Clock::now() - std::chrono::hours(24 * 365);
  BOOST_TEST(policy.wait_before(2, long_ago).has_value());
  policy.deadline = std::chrono::seconds(5);
  BOOST_TEST(!policy.wait_before(2, Clock::now() - std::chrono::seconds(6)).has_value());
  BOOST_TEST(policy.wait_before(2, Clock::now()).has_value());
  // A pause that would end past the deadline counts as past it.
  policy.initial_backoff = std::chrono::seconds(10);
  BOOST_TEST(!policy.wait_before(2, Clock::now()).has_value());
  // A deadline already spent allows no retry, even one with no pause.
  policy.initial_backoff = milliseconds(0);
  policy.deadline = milliseconds(0);
  BOOST_TEST(!policy.wait_before(2, Clock::now() - milliseconds(1)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
