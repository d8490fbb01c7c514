// Durations and intervals that would never be reached: counts too large to
// hold (they wrapped to negative numbers and trained forever), units the data
// cannot count, and a max_duration of zero. Each is refused before training,
// wherever a time is read: flags, the config file, the CheckpointSaver
// callback's JSON and the plugins' intervals.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "bad_input.h"

namespace cairn::test {
namespace {

// The old failure of these inputs was a run that never ended: give up on it.
constexpr unsigned kEndless = 120;

void expect_nothing_saved(const std::filesystem::path& folder) { expect_empty_or_absent(folder / "ckpt"); }

}  // namespace

BOOST_AUTO_TEST_SUITE(durations)

BOOST_AUTO_TEST_CASE(counts_too_large_are_refused_on_every_flag) {
  for (const std::string flag : {"--max-duration", "--save-interval"}) {
    for (const std::string value : {"99999999999999999999999ep", "9223372036854775808ba", "1e30ba"}) {
      TempDir dir;
      const Result r =
          run_cairn(with(kSample, {flag, value, "--save-folder", "ckpt"}), dir.path(), {}, kEndless);
      expect_one_line_error(r, 2, {flag, value, "too large"});
      expect_nothing_saved(dir.path());
    }
  }
}

BOOST_AUTO_TEST_CASE(counts_too_large_are_refused_in_a_config_file) {
  for (const std::string key : {"max_duration", "save_interval"}) {
    for (const std::string value : {"18446744073709551615", "9223372036854775807", "\"1e30ba\""}) {
      TempDir dir;
      std::ofstream(dir.path() / "run.json") << "{\"save_folder\": \"ckpt\", \"" << key << "\": " << value << "}";
      const Result r = run_cairn(with(kSample, {"--config", "run.json"}), dir.path(), {}, kEndless);
      expect_one_line_error(r, 2, {"'" + key + "'", "run.json", "too large"});
      expect_nothing_saved(dir.path());
    }
  }
}

BOOST_AUTO_TEST_CASE(counts_too_large_are_refused_in_callback_intervals) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"CheckpointSaver={\"folder\": \"ckpt\", \"save_interval\": \"1e30ba\"}", "'save_interval'"},
      {"CheckpointSaver={\"folder\": \"ckpt\", \"save_interval\": 18446744073709551615}", "'save_interval'"},
      {"EarlyStopper={\"monitor\": \"loss/train\", \"patience\": \"99999999999999999999999ba\"}", "'patience'"},
  };
  for (const auto& [callback, field] : cases) {
    TempDir dir;
    const Result r = run_cairn(with(kSample, {"--callback", callback}), dir.path(), {}, kEndless);
    expect_one_line_error(r, 2, {"--callback", field, "too large"});
    expect_nothing_saved(dir.path());
  }
}

// The synthetic data has no tokens: a duration in tokens never arrives.
BOOST_AUTO_TEST_CASE(a_unit_the_data_cannot_count_is_refused_before_training) {
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  for (const Case& c : {Case{{"--max-duration", "1tok"}, "max_duration '1tok'"},
                        Case{{"--save-interval", "64tok"}, "save_interval '64tok'"}}) {
    TempDir dir;
    const Result r = run_cairn(with(with(kSample, c.args), {"--save-folder", "ckpt"}), dir.path(), {}, kEndless);
    expect_one_line_error(r, 2, {c.names, "tokens", "ep, ba or sp"});
    expect_nothing_saved(dir.path());
  }
}

BOOST_AUTO_TEST_CASE(a_zero_max_duration_is_refused) {
  for (const std::string zero : {"0ep", "0ba", "0sp", "0"}) {
    TempDir dir;
    const Result r = run_cairn(with(kSample, {"--max-duration", zero, "--save-folder", "ckpt"}), dir.path());
    expect_one_line_error(r, 2, {"max_duration", "zero"});
    expect_nothing_saved(dir.path());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
