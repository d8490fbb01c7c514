// Resumption is exact: a run resumed from any of its checkpoints ends in a
// checkpoint identical to the uninterrupted run's (scenarios 11-13).
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "cairn/state.h"
#include "checkpoint/io/checkpoint_file.h"
#include "fixtures.h"
#include "ivalue_compare.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

// Wall-clock fields and the savers' own history differ between runs by nature.
const std::vector<std::string> kNotComparable = {"state/timestamp/Timestamp/*_wct", "state/callbacks/CheckpointSaver*"};

std::vector<std::string> train(TrainerOptions options) {
  Trainer trainer(std::move(options));
  trainer.fit();
  return trainer.saved_checkpoints();
}

c10::IValue read_ckpt(const std::string& path) { return checkpoint::read_checkpoint(path); }

void check_resume(const std::string& interval, const std::string& resume_from, const std::string& final_name,
                  const std::string& filename = "ep{epoch}-ba{batch}-rank{rank}.pt") {
  TempDir dir;
  auto full = make_options("2ep");
  full.save_folder = dir / "full";
  full.save_interval = Time::parse(interval);
  full.save_filename = filename;
  train(std::move(full));
  BOOST_REQUIRE(fs::exists(dir / ("full/" + resume_from)));

  auto resumed = make_options("2ep", /*seed=*/7);  // a different seed: everything must come from the checkpoint
  resumed.save_folder = dir / "resumed";
  resumed.save_interval = Time::parse(interval);
  resumed.save_filename = filename;
  resumed.load_path = dir / ("full/" + resume_from);
  train(std::move(resumed));

  const auto a = read_ckpt(dir / ("full/" + final_name));
  const auto b = read_ckpt(dir / ("resumed/" + final_name));
  const std::string diff = first_difference(a, b, kNotComparable);
  BOOST_TEST(diff.empty(), "resumed from " << resume_from << ", " << final_name << " differs at " << diff);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resume)

BOOST_AUTO_TEST_CASE(same_seed_gives_bitwise_identical_weights) {
  TempDir dir;
  auto a = make_options("2ep");
  a.save_folder = dir / "a";
  auto b = make_options("2ep");
  b.save_folder = dir / "b";
  train(std::move(a));
  train(std::move(b));
  const auto ca = read_ckpt(dir / "a/ep2-ba10-rank0.pt"), cb = read_ckpt(dir / "b/ep2-ba10-rank0.pt");
  BOOST_TEST(first_difference(ca, cb, kNotComparable).empty());
  // And a different seed really does change the weights (the comparison can fail).
  auto c = make_options("2ep", 43);
  c.save_folder = dir / "c";
  train(std::move(c));
  BOOST_TEST(!first_difference(ca, read_ckpt(dir / "c/ep2-ba10-rank0.pt"), kNotComparable).empty());
}

BOOST_AUTO_TEST_CASE(resume_at_epoch_boundary) { check_resume("1ep", "ep1-ba5-rank0.pt", "ep2-ba10-rank0.pt"); }

BOOST_AUTO_TEST_CASE(resume_mid_epoch) {
  check_resume("2ba", "ep0-ba4-rank0.pt", "ep1-ba10-rank0.pt");
  check_resume("2ba", "ep1-ba6-rank0.pt", "ep1-ba10-rank0.pt");
}

BOOST_AUTO_TEST_CASE(resume_at_last_batch_before_epoch_increment) {
  check_resume("1ba", "ep0-ba5-rank0.pt", "ep1-ba10-rank0.pt");
}

BOOST_AUTO_TEST_CASE(resume_from_compressed_checkpoints) {
  check_resume("1ep", "ep1.tgz", "ep2.tgz", "ep{epoch}.tgz");
  check_resume("2ba", "ba4.pt.zst", "ba10.pt.zst", "ba{batch}.pt.zst");
}

BOOST_AUTO_TEST_CASE(resume_without_rng_state_differs) {
  // The comparison above can fail: dropping the RNG on load breaks exactness.
  TempDir dir;
  auto full = make_options("2ep");
  full.save_folder = dir / "full";
  train(std::move(full));
  auto resumed = make_options("2ep");
  resumed.save_folder = dir / "resumed";
  resumed.load_path = dir / "full/ep1-ba5-rank0.pt";
  resumed.load_ignore_keys = {"rng"};
  train(std::move(resumed));
  // The weights themselves: the files' own "rng" entries differ by construction
  // and would make the whole-file comparison differ even with equal weights.
  const auto model = [](const c10::IValue& root) { return root.toGenericDict().at("state").toGenericDict().at("model"); };
  const std::string diff = first_difference(model(read_ckpt(dir / "full/ep2-ba10-rank0.pt")),
                                            model(read_ckpt(dir / "resumed/ep2-ba10-rank0.pt")));
  BOOST_TEST(!diff.empty(), "state.model is identical without the RNG: this control cannot fail the test above");
}

BOOST_AUTO_TEST_CASE(expected_file_count) {
  TempDir dir;
  auto o = make_options("2ep");
  o.save_folder = dir.path();
  o.save_interval = Time::parse("3ba");
  train(std::move(o));
  // ceil(10 / 3) = 4 checkpoints (ba3, ba6, ba9 and the end-of-training save, which happens at the
  // final EPOCH_CHECKPOINT, after the epoch counter moved to 2) plus the latest symlink.
  const std::vector<std::string> expected = {"ep0-ba3-rank0.pt", "ep1-ba6-rank0.pt", "ep1-ba9-rank0.pt",
                                             "ep2-ba10-rank0.pt", "latest-rank0.pt"};
  BOOST_TEST(list_files(dir.path()) == expected, boost::test_tools::per_element());
  BOOST_TEST(fs::read_symlink(dir / "latest-rank0.pt").string() == "ep2-ba10-rank0.pt");
}

BOOST_AUTO_TEST_CASE(interval_counts_through_the_trainer) {
  struct Row {
    std::string interval, duration;
    size_t saves;
  };
  for (const Row& row : {Row{"1ep", "3ep", 3}, Row{"2ep", "3ep", 2}, Row{"5ba", "2ep", 2}, Row{"4ba", "10ba", 3},
                         Row{"0.25dur", "4ep", 4}, Row{"6sp", "10ba", 4}, Row{"0ep", "2ep", 0}}) {
    TempDir dir;
    auto o = make_options(row.duration);
    o.save_folder = dir.path();
    o.save_interval = Time::parse(row.interval);
    o.save_latest_filename.reset();
    const auto saved = train(std::move(o));
    BOOST_TEST(saved.size() == row.saves, row.interval << " over " << row.duration << ": " << saved.size() << " saves");
  }
}

BOOST_AUTO_TEST_CASE(predicate_interval_has_no_end_of_training_save) {
  TempDir dir;
  auto o = make_options("2ep");
  o.save_folder = dir.path();
  o.save_interval = IntervalScheduler([](const State& s, Event e) {
    return e == Event::BATCH_CHECKPOINT && s.timestamp.batch == 3;
  });
  const auto saved = train(std::move(o));
  BOOST_TEST(saved.size() == 1u);
  BOOST_TEST(fs::exists(dir / "ep0-ba3-rank0.pt"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
