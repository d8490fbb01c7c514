// Scenarios 17 and 18: the overwrite=false guard
// (Composer's test_ensure_folder_has_no_conflicting_files, test_save_overwrite).
#include <fstream>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/saver/conflict_check.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;

namespace {

// ep2/ba7/bie1/sp15/sie3/tok31/tie7.
Timestamp now() {
  Timestamp ts;
  ts.epoch = 2;
  ts.batch = 7;
  ts.batch_in_epoch = 1;
  ts.sample = 15;
  ts.sample_in_epoch = 3;
  ts.token = 31;
  ts.token_in_epoch = 7;
  return ts;
}

void touch(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << "hello";
}

struct ConflictRow {
  std::string filename, existing;
  bool ok;
  std::string why;
};

std::ostream& operator<<(std::ostream& out, const ConflictRow& r) { return out << r.existing << " (" << r.why << ")"; }

const std::string kUnicorn = "blazing-unicorn-ep{epoch}-batch{batch}-tie{token_in_epoch}-rank{rank}.pt";
const std::string kChungus =
    "charging-chungus-ep{epoch}-b{batch}-s{sample}-t{token}-bie{batch_in_epoch}-sie{sample_in_epoch}-tie{token_in_epoch}.pt";

const std::vector<ConflictRow> kRows = {
    {kUnicorn, "blazing-unicorn-ep1-batch3-tie6-rank0.pt", true, "in the past"},
    {kUnicorn, "blazing-unicorn-ep2-batch6-tie7-rank0.pt", true, "same time"},
    {kUnicorn, "blazing-unicorn-ep1-batch6-tie9-rank0.pt", true, "earlier epoch, later token_in_epoch"},
    {kUnicorn, "inglorious-monkeys-ep1-batch3-tie6-rank0.pt", true, "another run"},
    {kUnicorn, "blazing-unicorn-ep3-rank0.pt", true, "another format"},
    {kUnicorn, "blazing-unicorn-ep3-batch9-tie6-rank1.pt", true, "future, but another rank's name"},
    {kUnicorn, "blazing-unicorn-ep3-batch9-tie6-rank0.pt", false, "future"},
    {kUnicorn, "blazing-unicorn-ep1-batch9-tie6-rank0.pt", false, "future batch, past epoch"},
    {kUnicorn, "blazing-unicorn-ep2-batch7-tie9-rank0.pt", false, "same epoch, later token_in_epoch"},
    {kChungus, "charging-chungus-ep1-b3-s6-t12-bie0-sie0-tie0.pt", true, "in the past"},
    {kChungus, "charging-chungus-ep2-b7-s15-t31-bie1-sie3-tie8.pt", false, "same epoch, later token_in_epoch"},
    // Literal parts are literal: '.' in the template does not match any character.
    {"ep{epoch}.pt", "ep9xpt", true, "'.' is not a wildcard"},
    {"ep{epoch}.pt", "ep9.pt", false, "future epoch"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(conflict_check)

BOOST_DATA_TEST_CASE(composer_conflict_table, boost::unit_test::data::make(kRows), row) {
  TempDir dir;
  touch(dir.path() / row.existing);
  const DistInfo dist = DistInfo::single_process();
  if (row.ok) {
    BOOST_CHECK_NO_THROW(ensure_folder_has_no_conflicting_files(dir.path().string(), row.filename, "any", dist, now()));
  } else {
    BOOST_CHECK_EXCEPTION(ensure_folder_has_no_conflicting_files(dir.path().string(), row.filename, "any", dist, now()),
                          ConfigError, [&](const ConfigError& e) {
                            const std::string m = e.what();
                            return m.find(row.existing) != std::string::npos &&
                                   m.find("may conflict with a future checkpoint of this run") != std::string::npos &&
                                   m.find("save_overwrite") != std::string::npos;
                          });
  }
}

BOOST_AUTO_TEST_CASE(empty_and_missing_folders_are_fine) {
  TempDir dir;
  BOOST_CHECK_NO_THROW(ensure_folder_has_no_conflicting_files(dir.path().string(), kUnicorn, "r", DistInfo::single_process(), now()));
  BOOST_CHECK_NO_THROW(
      ensure_folder_has_no_conflicting_files(dir / "absent", kUnicorn, "r", DistInfo::single_process(), now()));
}

BOOST_AUTO_TEST_CASE(message_names_the_unit_and_both_values) {
  TempDir dir;
  touch(dir.path() / "ep2-ba8.pt");
  BOOST_CHECK_EXCEPTION(
      ensure_folder_has_no_conflicting_files(dir.path().string(), "ep{epoch}-ba{batch}.pt", "r", DistInfo::single_process(), now()),
      ConfigError, [](const ConfigError& e) {
        return std::string(e.what()).find("(it is at batch 8, the run is at batch 7)") != std::string::npos;
      });
}

BOOST_AUTO_TEST_CASE(run_name_is_filled_and_unknown_fields_are_wildcards) {
  TempDir dir;
  touch(dir.path() / "other-ep5.pt");
  BOOST_CHECK_NO_THROW(
      ensure_folder_has_no_conflicting_files(dir.path().string(), "{run_name}-ep{epoch}.pt", "mine", DistInfo::single_process(), now()));
  touch(dir.path() / "mine-ep5.pt");
  BOOST_CHECK_THROW(
      ensure_folder_has_no_conflicting_files(dir.path().string(), "{run_name}-ep{epoch}.pt", "mine", DistInfo::single_process(), now()),
      ConfigError);

  TempDir wct;
  touch(wct.path() / "ep5-t1234.5.pt");
  BOOST_CHECK_THROW(ensure_folder_has_no_conflicting_files(wct.path().string(), "ep{epoch}-t{total_wct}.pt", "r",
                                                           DistInfo::single_process(), now()),
                    ConfigError);
  // Without a known rank, {rank} matches any rank's file.
  TempDir ranks;
  touch(ranks.path() / "unset-rank7-ep5.pt");
  DistInfo unset;
  BOOST_CHECK_THROW(ensure_folder_has_no_conflicting_files(ranks.path().string(), "unset-rank{rank}-ep{epoch}.pt", "r", unset, now()),
                    ConfigError);
  BOOST_CHECK_NO_THROW(ensure_folder_has_no_conflicting_files(ranks.path().string(), "unset-rank{rank}-ep{epoch}.pt", "r",
                                                              DistInfo::single_process(), now()));
}

BOOST_AUTO_TEST_CASE(in_epoch_without_epoch_is_a_config_error) {
  TempDir dir;
  BOOST_CHECK_EXCEPTION(ensure_folder_has_no_conflicting_files(dir.path().string(), "ba{batch_in_epoch}.pt", "r",
                                                               DistInfo::single_process(), now()),
                        ConfigError, [](const ConfigError& e) {
                          return std::string(e.what()).find("add {epoch}") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(templates_with_subfolders_look_into_them) {
  TempDir dir;
  touch(dir.path() / "ep3" / "rank0.pt");
  BOOST_CHECK_THROW(ensure_folder_has_no_conflicting_files(dir.path().string(), "ep{epoch}/rank{rank}.pt", "r",
                                                           DistInfo::single_process(), now()),
                    ConfigError);
  BOOST_CHECK_NO_THROW(
      ensure_folder_has_no_conflicting_files(dir.path().string(), "ep{epoch}-rank{rank}.pt", "r", DistInfo::single_process(), now()));
}

// Scenario 17: train 2 epochs into F; a resume from ep1 that saves into F again
// fails at FIT_START unless overwrite; a resume from ep2 works either way.
BOOST_AUTO_TEST_CASE(resuming_into_a_folder_with_future_checkpoints) {
  TempDir dir;
  auto options = [&](bool overwrite) {
    CheckpointSaverOptions o;
    o.folder = dir / "first";
    o.filename = "ep{epoch}.pt";
    o.overwrite = overwrite;
    return o;
  };
  {
    CheckpointSaver first(options(false));
    CountingAssembler assembler(&first);
    first.attach([&](const State& s, bool w) { return assembler(s, w); });
    State state = make_state("run-1", "2ep", 5);
    first.on_event(Event::INIT, state);
    run_fit(state, first, LoopShape{});
    BOOST_TEST(list_folder(dir.path() / "first") ==
                   (std::vector<std::string>{"ep1.pt", "ep2.pt", "latest-rank0.pt"}),
               boost::test_tools::per_element());
  }
  auto resumed_at_epoch = [&](int64_t epoch) {
    State state = make_state("run-2", "3ep", 5);
    state.timestamp.epoch = epoch;
    state.timestamp.batch = epoch * 5;
    state.timestamp.sample = epoch * 10;
    return state;
  };
  for (bool overwrite : {false, true}) {
    CheckpointSaver saver(options(overwrite));
    State state = resumed_at_epoch(1);
    saver.on_event(Event::INIT, state);
    if (overwrite) {
      BOOST_CHECK_NO_THROW(saver.on_event(Event::FIT_START, state));
    } else {
      BOOST_CHECK_THROW(saver.on_event(Event::FIT_START, state), ConfigError);
    }
    CheckpointSaver from_latest(options(overwrite));
    State later = resumed_at_epoch(2);
    from_latest.on_event(Event::INIT, later);
    BOOST_CHECK_NO_THROW(from_latest.on_event(Event::FIT_START, later));
  }
}

BOOST_AUTO_TEST_SUITE_END()
