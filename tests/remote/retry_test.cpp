// Retrying store calls as Composer's utils.retry does (remote/retry.h): only
// TransientError is retried, up to num_attempts, with Composer's backoff.
#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>
#include <vector>

#include "cairn/errors.h"
#include "remote/retry.h"
#include "test_text.h"

namespace cairn::test {
namespace {

RetryPolicy no_pause(int attempts) { return composer_retry_policy(attempts, 0.0, "test"); }

}  // namespace

BOOST_AUTO_TEST_SUITE(retry)

BOOST_AUTO_TEST_CASE(transient_errors_are_retried_until_attempts_run_out) {
  std::vector<int> heard;
  int made = 0;
  BOOST_CHECK_THROW(run_with_retries(
                        no_pause(3), [&](int) { ++made; throw TransientError("503 Slow Down"); },
                        [&](int attempt, const std::string& cause) {
                          heard.push_back(attempt);
                          BOOST_TEST(cause == "503 Slow Down");
                        }),
                    TransientError);
  BOOST_TEST(made == 3);
  BOOST_TEST(heard == (std::vector<int>{0, 1}));  // the last failure is thrown, not retried

  made = 0;
  run_with_retries(no_pause(3), [&](int attempt) {
    ++made;
    if (attempt == 0) throw TransientError("connection reset");
  });
  BOOST_TEST(made == 2);
}

BOOST_AUTO_TEST_CASE(other_errors_are_final_at_once) {
  int made = 0;
  BOOST_CHECK_THROW(run_with_retries(no_pause(5), [&](int) { ++made; throw NotFoundError("no such object"); }),
                    NotFoundError);
  BOOST_TEST(made == 1);
}

BOOST_AUTO_TEST_CASE(composers_arguments_become_the_policy) {
  const RetryPolicy policy = composer_retry_policy(3, 1.0, "RemoteUploaderDownloader");
  BOOST_TEST(policy.max_attempts == 3);
  BOOST_TEST(policy.initial_backoff.count() == 1000);
  BOOST_TEST(policy.max_jitter.count() == 500);  // Composer's 1 s and 0.5 s, in that ratio
  BOOST_TEST((policy.jitter == Jitter::kAdded));
  BOOST_TEST((policy.deadline == RetryPolicy::kNever));
  BOOST_TEST(composer_retry_policy(2, 0.05, "x").initial_backoff.count() == 50);
}

BOOST_AUTO_TEST_CASE(bad_arguments_are_refused_by_name) {
  const std::string attempts =
      error_text<ConfigError>([] { composer_retry_policy(0, 1.0, "RemoteUploaderDownloader"); });
  BOOST_TEST(contains(attempts, "RemoteUploaderDownloader num_attempts is 0"), attempts);
  for (double bad : {-1.0, std::numeric_limits<double>::quiet_NaN(), 1e300}) {
    const std::string backoff = error_text<ConfigError>([&] { composer_retry_policy(3, bad, "RemoteUploaderDownloader"); });
    BOOST_TEST(contains(backoff, "RemoteUploaderDownloader initial_backoff_seconds is"), backoff);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
