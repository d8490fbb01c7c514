// save_async through the trainer: checkpoints written in the background hold
// exactly what synchronous ones of the same steps hold, a run resumed from
// one ends where the uninterrupted run ends, and a background write that
// fails stops fit with its cause and leaves no partial checkpoint.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "cairn/algorithm.h"
#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "core/ivalue_convert.h"
#include "file_size_limit.h"
#include "fixtures.h"
#include "ivalue_compare.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

// Wall-clock fields and the savers' own history differ between runs by nature.
const std::vector<std::string> kNotComparable = {"state/timestamp/Timestamp/*_wct", "state/callbacks/CheckpointSaver*"};

TrainerOptions saving_every_batch(const fs::path& folder, bool async, const std::string& snapshot = "lazy") {
  auto options = make_options("2ep");
  options.save_folder = folder.string();
  options.save_interval = Time::parse("1ba");
  options.save_async = async;
  options.save_async_snapshot = snapshot;
  return options;
}

void fit(TrainerOptions options) {
  Trainer trainer(std::move(options));
  trainer.fit();
}

// Changes a parameter outside the optimizer step, as EMA swaps weights: at
// each checkpoint event it fills `big` with the batch number (so that is what
// the checkpoint must hold), and at the next BATCH_START with -1.
class ParameterSwapper : public Algorithm {
 public:
  bool match(Event event, const State&) override {
    return event == Event::BATCH_CHECKPOINT || event == Event::BATCH_START;
  }
  void apply(Event event, State& state) override {
    torch::NoGradGuard no_grad;
    at::Tensor big = state.model->module()->named_parameters()["big"];
    big.fill_(event == Event::BATCH_START ? -1.0 : double(state.timestamp.batch));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(async_save)

BOOST_AUTO_TEST_CASE(background_checkpoints_hold_what_synchronous_ones_hold) {
  for (const std::string snapshot : {"lazy", "eager"}) {
    BOOST_TEST_CONTEXT("save_async_snapshot " << snapshot) {
      TempDir dir;
      fit(saving_every_batch(dir / "sync", false));
      fit(saving_every_batch(dir / "async", true, snapshot));
      BOOST_TEST(list_files(dir / "sync") == list_files(dir / "async"), boost::test_tools::per_element());
      for (const std::string& name : list_files(dir / "sync")) {
        const auto a = checkpoint::read_checkpoint(dir / ("sync/" + name));
        const auto b = checkpoint::read_checkpoint(dir / ("async/" + name));
        const std::string diff = first_difference(a, b, kNotComparable);
        BOOST_TEST(diff.empty(), name << " differs at " << diff);
      }
      BOOST_TEST(fs::read_symlink(dir / "async/latest-rank0.pt").string() == "ep1-ba10-rank0.pt");
    }
  }
}

// The lazy snapshot copies the parameters after the save event; an algorithm
// that changes them before the next optimizer step (here at BATCH_START, right
// after the save) waits for that copy. The parameter is large (16 MiB) so that
// its copy is still running when BATCH_START comes.
BOOST_AUTO_TEST_CASE(an_algorithm_changing_parameters_after_the_save_waits_for_the_lazy_snapshot) {
  TempDir dir;
  auto options = saving_every_batch(dir / "ckpt", true, "lazy");
  options.max_duration = "6ba";
  options.model->module()->register_parameter("big", torch::zeros({int64_t{4} << 20}), /*requires_grad=*/false);
  options.algorithms.push_back({"ParameterSwapper", std::make_shared<ParameterSwapper>()});
  fit(std::move(options));
  for (int batch = 1; batch <= 6; ++batch) {
    BOOST_TEST_CONTEXT("batch " << batch) {
      const std::string name = "ep" + std::to_string((batch - 1) / 5) + "-ba" + std::to_string(batch) + "-rank0.pt";
      const c10::IValue root = checkpoint::read_checkpoint(dir / ("ckpt/" + name));
      const c10::IValue& model = require_key(require_key(root, "state", "checkpoint"), "model", "state");
      const at::Tensor big = require_key(model, "big", "state/model").toTensor();
      BOOST_TEST(big.eq(double(batch)).all().item<bool>());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_run_resumed_from_a_background_checkpoint_is_exact) {
  TempDir dir;
  fit(saving_every_batch(dir / "full", true));
  auto resumed = saving_every_batch(dir / "resumed", true);
  resumed.load_path = dir / "full/ep1-ba7-rank0.pt";
  fit(std::move(resumed));
  const auto a = checkpoint::read_checkpoint(dir / "full/ep1-ba10-rank0.pt");
  const auto b = checkpoint::read_checkpoint(dir / "resumed/ep1-ba10-rank0.pt");
  const std::string diff = first_difference(a, b, kNotComparable);
  BOOST_TEST(diff.empty(), "ep1-ba10 differs at " << diff);
}

BOOST_AUTO_TEST_CASE(a_failed_background_write_stops_fit_with_its_cause) {
  TempDir dir;
  std::string error;
  try {
    const FileSizeLimit full_disk(512);  // a disk that takes only a few bytes per file
    fit(saving_every_batch(dir / "ckpt", true));
  } catch (const CheckpointError& e) {
    error = e.what();
  }
  BOOST_TEST(error.find("ep0-ba1-rank0.pt") != std::string::npos, error);
  BOOST_TEST(error.find("File too large") != std::string::npos, error);
  BOOST_TEST(error.find('\n') == std::string::npos, error);
  // Nothing was published: no checkpoint under its name, no pointer, no leftovers.
  BOOST_TEST(list_files(dir / "ckpt").empty(), "left behind: " << list_files(dir / "ckpt").size() << " files");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
