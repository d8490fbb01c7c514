// Two orderings that results alone do not show, each with a test that fails
// when the order is swapped:
//   - the local latest pointer moves only after its checkpoint is written (a
//     save that fails leaves it on the last checkpoint that exists);
//   - a resumed run restores the checkpoint's RNG right before its first new
//     batch, not when it loads: whatever draws random numbers in between
//     (callbacks at FIT_START and EPOCH_START here) must not shift the batches.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>
#include <ATen/core/ivalue_inl.h>

#include "cairn/errors.h"
#include "cairn/state.h"
#include "checkpoint/io/checkpoint_file.h"
#include "fixtures.h"
#include "ivalue_compare.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

// Its first state_dict() is an ordinary dict; from the second on it holds a
// value the pickler refuses, so that save fails inside the file write itself,
// after the checkpoint was assembled.
class UnsavableAfterFirstSave : public Callback {
 public:
  void on_event(Event, State&) override {}
  c10::IValue state_dict() const override {
    if (calls_++ == 0) return make_dict();
    return c10::IValue(c10::make_intrusive<c10::ivalue::Future>(c10::IntType::get()));
  }
  void load_state_dict(const c10::IValue&) override {}

 private:
  mutable int calls_ = 0;
};

// Draws from the global generator (the one dropout uses) at FIT_START and
// EPOCH_START, as a callback that samples something would.
class DrawsRandomNumbers : public Callback {
 public:
  void on_event(Event event, State&) override {
    if (event == Event::FIT_START || event == Event::EPOCH_START) at::rand({16});
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ordering)

BOOST_AUTO_TEST_CASE(a_failed_save_leaves_the_latest_pointer_on_the_last_written_checkpoint) {
  TempDir dir;
  auto o = make_options("3ba");
  o.save_folder = dir / "ckpt";
  o.save_interval = Time::parse("1ba");
  o.callbacks.push_back({"UnsavableAfterFirstSave", std::make_shared<UnsavableAfterFirstSave>()});
  Trainer trainer(std::move(o));
  BOOST_CHECK_THROW(trainer.fit(), Error);
  // ba1 was written; ba2's write failed. The pointer still names ba1, and
  // what it names exists.
  const fs::path latest = dir / "ckpt/latest-rank0.pt";
  BOOST_REQUIRE(fs::is_symlink(latest));
  BOOST_TEST(fs::read_symlink(latest).string() == "ep0-ba1-rank0.pt");
  BOOST_TEST(fs::exists(latest), "the latest pointer dangles");
  BOOST_TEST(!fs::exists(dir / "ckpt/ep0-ba2-rank0.pt"));
}

BOOST_AUTO_TEST_CASE(the_rng_is_restored_right_before_the_first_new_batch) {
  // Mid-epoch (batch 4 of 5): the resumed run fires FIT_START and EPOCH_START,
  // both drawing, before batch 5. Only a restore after them replays batch 5's
  // dropout masks as the uninterrupted run drew them.
  const std::vector<std::string> not_comparable = {"state/timestamp/Timestamp/*_wct",
                                                   "state/callbacks/CheckpointSaver*"};
  TempDir dir;
  auto full = make_options("2ep");
  full.save_folder = dir / "full";
  full.save_interval = Time::parse("2ba");
  full.callbacks.push_back({"DrawsRandomNumbers", std::make_shared<DrawsRandomNumbers>()});
  Trainer(std::move(full)).fit();

  auto resumed = make_options("2ep", /*seed=*/7);  // a different seed: everything must come from the checkpoint
  resumed.save_folder = dir / "resumed";
  resumed.save_interval = Time::parse("2ba");
  resumed.load_path = dir / "full/ep0-ba4-rank0.pt";
  resumed.callbacks.push_back({"DrawsRandomNumbers", std::make_shared<DrawsRandomNumbers>()});
  Trainer(std::move(resumed)).fit();

  const auto a = checkpoint::read_checkpoint(dir / "full/ep1-ba10-rank0.pt");
  const auto b = checkpoint::read_checkpoint(dir / "resumed/ep1-ba10-rank0.pt");
  const std::string diff = first_difference(a, b, not_comparable);
  BOOST_TEST(diff.empty(), "the resumed run differs at " << diff);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
