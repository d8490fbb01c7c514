// Issue 8, classes 5 and 10 for the saver: settings that would save or keep
// nothing are refused or said out loud, and the counts of what was saved and
// kept are what happened.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;
namespace fs = std::filesystem;

namespace {

CheckpointSaverOptions in_folder(const TempDir& dir, const std::string& interval) {
  CheckpointSaverOptions o;
  o.folder = (dir / "ckpt");
  o.save_interval = Time::parse(interval);
  o.remote_file_name.reset();
  o.latest_remote_file_name.reset();
  return o;
}

bool any_has(const std::vector<std::string>& lines, const std::vector<std::string>& parts) {
  for (const auto& line : lines) {
    bool all = true;
    for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(saver_settings)

// Time strings refuse a sign; a negative number reaches the saver from JSON
// integers (epochs) and from C++.
BOOST_AUTO_TEST_CASE(negative_intervals_are_refused) {
  TempDir dir;
  for (const Time& interval :
       {Time::from_int(-1, TimeUnit::EPOCH), Time(-3, TimeUnit::BATCH), Time(-0.5, TimeUnit::DURATION)}) {
    CheckpointSaverOptions o;
    o.folder = dir.path().string();
    o.save_interval = interval;
    BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError, [](const ConfigError& e) {
      return std::string(e.what()).find("save_interval") != std::string::npos;
    });
  }
}

// Composer: an interval of 0 disables saving, the end of training included.
// Cairn does the same, but says so.
BOOST_DATA_TEST_CASE(a_zero_interval_saves_nothing_and_says_so, boost::unit_test::data::make({"0ep", "0ba", "0dur"}),
                     interval) {
  TempDir dir;
  CheckpointSaver saver(in_folder(dir, interval));
  CountingAssembler assembler(&saver);
  assembler.attach_to(saver);
  RecordingLogger logger;
  State state = make_state("zero", "2ep", 3);
  state.logger = &logger;
  saver.on_event(Event::INIT, state);
  run_fit(state, saver, LoopShape{3, 2, 0});
  BOOST_TEST(assembler.calls == 0);
  BOOST_TEST(saver.num_saved() == 0u);
  BOOST_TEST(any_has(logger.warnings, {"save_interval", "no checkpoint will be written"}));
}

BOOST_AUTO_TEST_CASE(keep_below_minus_one_is_refused) {
  TempDir dir;
  auto o = in_folder(dir, "1ep");
  o.num_checkpoints_to_keep = -5;
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError, [](const ConfigError& e) {
    const std::string m = e.what();
    return m.find("num_checkpoints_to_keep") != std::string::npos && m.find("-5") != std::string::npos;
  });
  o.num_checkpoints_to_keep = -1;
  BOOST_CHECK_NO_THROW(CheckpointSaver{o});
}

BOOST_AUTO_TEST_CASE(keeping_none_with_nothing_uploading_warns) {
  TempDir dir;
  auto o = in_folder(dir, "1ep");
  o.num_checkpoints_to_keep = 0;
  CheckpointSaver saver(o);
  RecordingLogger logger;
  State state = make_state("none", "1ep", 2);
  state.logger = &logger;
  saver.on_event(Event::INIT, state);
  BOOST_TEST(any_has(logger.warnings, {"num_checkpoints_to_keep", "no checkpoint will be kept"}));

  // Keeping some: no warning.
  TempDir other;
  CheckpointSaver keeping(in_folder(other, "1ep"));
  RecordingLogger quiet;
  State s2 = make_state("some", "1ep", 2);
  s2.logger = &quiet;
  keeping.on_event(Event::INIT, s2);
  BOOST_TEST(quiet.warnings.empty());
}

BOOST_DATA_TEST_CASE(saved_and_kept_count_what_happened, boost::unit_test::data::make({-1, 0, 1, 2}), keep) {
  TempDir dir;
  auto o = in_folder(dir, "1ep");
  o.num_checkpoints_to_keep = keep;
  CheckpointSaver saver(o);
  CountingAssembler assembler(&saver);
  assembler.attach_to(saver);
  State state = make_state("count", "3ep", 2);
  saver.on_event(Event::INIT, state);
  run_fit(state, saver, LoopShape{2, 2, 0});
  BOOST_TEST(saver.num_saved() == 3u);
  BOOST_TEST(saver.num_kept() == (keep < 0 ? 3u : size_t(keep)));
}

BOOST_AUTO_TEST_SUITE_END()
