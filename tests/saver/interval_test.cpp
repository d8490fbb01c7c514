// Scenarios 6 and 7: how many checkpoints each save_interval produces
// (Composer's test_checkpoint_intervals, test_checkpoint_save_token_interval,
// test_checkpoint_save_sample_interval), counted through a real saver driven
// by the trainer's event sequence.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/saver/interval.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;

namespace {

struct Run {
  int saves = 0;
  std::vector<int64_t> batches;  // batch of each save
};

// 10 samples, batch size 2 (5 batches per epoch) unless `shape` says otherwise.
Run count_saves(SaveInterval interval, const std::string& max_duration, const LoopShape& shape = LoopShape{}) {
  TempDir dir;
  CheckpointSaverOptions options;
  options.folder = dir / "ckpt";
  options.save_interval = std::move(interval);
  CheckpointSaver saver(options);
  CountingAssembler assembler(&saver);
  Run run;
  saver.attach([&](const State& state, bool weights_only) {
    run.batches.push_back(state.timestamp.batch);
    return assembler(state, weights_only);
  });
  State state = make_state("interval-run", max_duration, shape.batches_per_epoch);
  saver.on_event(Event::INIT, state);
  run_fit(state, saver, shape);
  run.saves = assembler.calls;
  return run;
}

struct Row {
  std::string interval;
  std::string max_duration;
  int expected;
};

std::ostream& operator<<(std::ostream& out, const Row& r) {
  return out << r.interval << " over " << r.max_duration << " -> " << r.expected;
}

// §2.4's table (save_interval=1 is the integer form: epochs).
const std::vector<Row> kTable = {
    {"1ep", "5ep", 5},       {"2ep", "8ep", 4},       {"10ba", "8ep", 4},     {"0.25dur", "4ep", 4},
    {"1ep", "4ep", 4},       {"5ba", "4ep", 4},       {"5ba", "10ba", 2},     {"0.35dur", "4ep", 3},
    {"0.01dur", "100ba", 100}, {"0.10dur", "70sp", 10}, {"0.05dur", "80sp", 20},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(intervals)

BOOST_DATA_TEST_CASE(composer_interval_table, boost::unit_test::data::make(kTable), row) {
  const Run run = count_saves(Time::parse(row.interval), row.max_duration);
  BOOST_TEST(run.saves == row.expected);
  // Never two saves at one batch (BATCH_ and EPOCH_CHECKPOINT share the last batch of an epoch).
  for (size_t i = 1; i < run.batches.size(); ++i) BOOST_TEST(run.batches[i] > run.batches[i - 1]);
}

BOOST_AUTO_TEST_CASE(integer_interval_means_epochs) {
  const Run run = count_saves(Time::from_int(1, TimeUnit::EPOCH), "5ep");
  BOOST_TEST(run.saves == 5);
  BOOST_TEST(run.batches == (std::vector<int64_t>{5, 10, 15, 20, 25}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fractional_interval_saves_at_the_documented_batches) {
  // 0.35 of 4 epochs of 5 batches: every 7 batches, plus the end at batch 20.
  BOOST_TEST(count_saves(Time::parse("0.35dur"), "4ep").batches == (std::vector<int64_t>{7, 14, 20}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(batch_duration_ends_with_unincremented_epoch) {
  // max 1ba: the end-of-training save happens at the BATCH_CHECKPOINT of batch 1,
  // before the epoch counter moves (Composer's ep0-ba1-rank0.pt).
  TempDir dir;
  CheckpointSaverOptions options;
  options.folder = dir.path().string();
  options.save_interval = Time::parse("1ep");
  CheckpointSaver saver(options);
  CountingAssembler assembler(&saver);
  assembler.attach_to(saver);
  State state = make_state("r", "1ba", 5);
  saver.on_event(Event::INIT, state);
  run_fit(state, saver, LoopShape{});
  BOOST_TEST(assembler.calls == 1);
  BOOST_TEST(saver.saved_checkpoints().size() == 1u);
  BOOST_TEST(std::filesystem::path(saver.saved_checkpoints().at(0)).filename() == "ep0-ba1-rank0.pt");
}

BOOST_AUTO_TEST_CASE(iteration_unit_is_rejected) {
  BOOST_CHECK_THROW(create_interval_scheduler(Time(2, TimeUnit::ITERATION)), ConfigError);
  CheckpointSaverOptions options;
  options.save_interval = Time(2, TimeUnit::ITERATION);
  BOOST_CHECK_THROW(CheckpointSaver{options}, ConfigError);
}

BOOST_AUTO_TEST_CASE(zero_interval_never_saves_not_even_at_the_end) {
  BOOST_TEST(count_saves(Time::parse("0ba"), "10ba").saves == 0);
  BOOST_TEST(count_saves(Time::parse("0ep"), "2ep").saves == 0);
}

BOOST_AUTO_TEST_CASE(duration_interval_needs_a_sized_dataloader) {
  auto check = create_interval_scheduler(Time::parse("0.5dur"));
  State state = make_state("r", "4ep", 5);
  state.dataloader_len.reset();
  state.previous_timestamp = state.timestamp;
  state.timestamp.to_next_batch(2, 0, 1.0);
  BOOST_CHECK_THROW(check(state, Event::BATCH_CHECKPOINT), ConfigError);
}

BOOST_AUTO_TEST_CASE(nothing_before_the_first_batch) {
  auto check = create_interval_scheduler(Time::parse("1ba"));
  State state = make_state("r", "1ba", 5);
  state.timestamp.batch = 1;  // elapsed >= 1, but no previous timestamp yet
  BOOST_TEST(!check(state, Event::BATCH_CHECKPOINT));
}

BOOST_AUTO_TEST_CASE(end_of_training_rule_can_be_disabled) {
  auto check = create_interval_scheduler(Time::parse("64tok"), /*include_end_of_training=*/false);
  State state = make_state("r", "1ba", 5);
  state.previous_timestamp = state.timestamp;
  state.timestamp.to_next_batch(1, 5, 1.0);
  BOOST_TEST(!check(state, Event::BATCH_CHECKPOINT));
  auto with_end = create_interval_scheduler(Time::parse("64tok"));
  BOOST_TEST(with_end(state, Event::BATCH_CHECKPOINT));
}

BOOST_AUTO_TEST_CASE(seconds_interval_crosses_whole_seconds) {
  // Each simulated batch takes one second: 3sec over 10 batches saves at 3, 6, 9 and the end.
  BOOST_TEST(count_saves(Time::parse("3sec"), "10ba", LoopShape{20, 2, 0}).batches ==
                 (std::vector<int64_t>{3, 6, 9, 10}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(predicate_interval_gets_no_final_save) {
  int asked = 0;
  IntervalScheduler every_third_batch = [&](const State& s, Event e) {
    ++asked;
    return e == Event::BATCH_CHECKPOINT && s.timestamp.batch % 3 == 0;
  };
  const Run run = count_saves(every_third_batch, "10ba");
  BOOST_TEST(run.batches == (std::vector<int64_t>{3, 6, 9}), boost::test_tools::per_element());
  BOOST_TEST(asked > 0);
}

BOOST_AUTO_TEST_SUITE_END()

// Scenario 7: max_duration 5ba over a 10-batch epoch, so the run ends mid-epoch.
BOOST_AUTO_TEST_SUITE(token_and_sample_intervals)

namespace {

struct CountRow {
  int64_t batch_size, seq_len;
  std::string interval;
  int expected;
};

std::ostream& operator<<(std::ostream& out, const CountRow& r) {
  return out << "bs" << r.batch_size << " seq" << r.seq_len << " " << r.interval << " -> " << r.expected;
}

// Worked by hand: one save per crossing of an interval multiple, plus the end
// save when the last crossing was not at batch 5.
const std::vector<CountRow> kTokenRows = {
    {1, 1, "1tok", 5},  {1, 1, "64tok", 1},  {1, 1, "65tok", 1},   // 5 tokens: only the end
    {1, 16, "1tok", 5}, {1, 16, "64tok", 2}, {1, 16, "65tok", 1},  // crossings at ba4 / ba5
    {4, 1, "1tok", 5},  {4, 1, "64tok", 1},  {4, 1, "65tok", 1},   // 20 tokens: only the end
    {4, 16, "1tok", 5}, {4, 16, "64tok", 5}, {4, 16, "65tok", 4},  // 64/batch; 65: ba2..ba5
};
const std::vector<CountRow> kSampleRows = {
    {1, 1, "1sp", 5}, {1, 1, "4sp", 2}, {1, 1, "5sp", 1},
    {4, 1, "1sp", 5}, {4, 1, "4sp", 5}, {4, 1, "5sp", 4},
};

}  // namespace

BOOST_DATA_TEST_CASE(token_interval_counts, boost::unit_test::data::make(kTokenRows), row) {
  BOOST_TEST(count_saves(Time::parse(row.interval), "5ba", LoopShape{10, row.batch_size, row.seq_len}).saves ==
             row.expected);
}

BOOST_DATA_TEST_CASE(sample_interval_counts, boost::unit_test::data::make(kSampleRows), row) {
  BOOST_TEST(count_saves(Time::parse(row.interval), "5ba", LoopShape{10, row.batch_size, row.seq_len}).saves ==
             row.expected);
}

BOOST_AUTO_TEST_SUITE_END()
