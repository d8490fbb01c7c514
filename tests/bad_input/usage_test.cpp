// Usage errors every subcommand shares: unknown flags and stray arguments.
#include <boost/test/unit_test.hpp>

#include "bad_input.h"

namespace cairn::test {

BOOST_AUTO_TEST_SUITE(usage)

BOOST_AUTO_TEST_CASE(unknown_flag_is_one_line_with_status_2) {
  TempDir dir;
  const Result r = run_cairn(with(kSample, {"--save-folderr", "x"}), dir.path());
  expect_one_line_error(r, 2, {"--save-folderr"});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
