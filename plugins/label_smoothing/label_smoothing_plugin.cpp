// Algorithm plugin "LabelSmoothing", as Composer's
// composer.algorithms.LabelSmoothing.
//
// Config:
//   smoothing  float in (0, 1), default 0.1
//
// At BEFORE_LOSS the batch's targets are replaced by smoothed probabilities,
// one_hot(targets) * (1 - smoothing) + smoothing / classes (class indices are
// made one-hot first; probability targets are smoothed as given), so the
// model's cross-entropy loss is computed against them; at AFTER_LOSS the
// original targets are put back. Stateless: it saves an empty dict.
#include <ATen/ATen.h>

#include "cairn/algorithm.h"
#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/plugin.h"
#include "cairn/state.h"

namespace {

double read_smoothing(const nlohmann::json& json) {
  cairn::Config cfg("algorithm 'LabelSmoothing'", json);
  const double smoothing = cfg.get<double>("smoothing", 0.1);
  cfg.finish();
  if (!(smoothing > 0 && smoothing < 1)) {
    cfg.fail("smoothing", "must be in (0, 1) (got " + std::to_string(smoothing) + ")");
  }
  return smoothing;
}

// Composer's smooth_labels (with ensure_targets_one_hot).
at::Tensor smooth_labels(const at::Tensor& logits, const at::Tensor& targets, double smoothing) {
  if (logits.dim() < 2) {
    throw cairn::Error("LabelSmoothing: the model's outputs have shape " + c10::str(logits.sizes()) +
                       "; it needs logits of shape (batch, classes, ...)");
  }
  const int64_t classes = logits.size(1);
  at::Tensor one_hot = targets;
  if (targets.sizes() != logits.sizes()) {
    if (at::isFloatingType(targets.scalar_type())) {
      throw cairn::Error("LabelSmoothing: targets of shape " + c10::str(targets.sizes()) +
                         " are neither class indices nor probabilities shaped like the outputs " +
                         c10::str(logits.sizes()));
    }
    // (N, ...) indices -> (N, classes, ...) as the logits are laid out.
    one_hot = at::one_hot(targets, classes).movedim(-1, 1);
  }
  return one_hot.to(logits.scalar_type()) * (1.0 - smoothing) + smoothing / double(classes);
}

class LabelSmoothing : public cairn::Algorithm {
 public:
  explicit LabelSmoothing(double smoothing) : smoothing_(smoothing) {}

  bool match(cairn::Event event, const cairn::State&) override {
    return event == cairn::Event::BEFORE_LOSS || event == cairn::Event::AFTER_LOSS;
  }

  void apply(cairn::Event event, cairn::State& state) override {
    if (event == cairn::Event::BEFORE_LOSS) {
      original_targets_ = state.batch.targets;
      state.batch.targets = smooth_labels(state.outputs.detach(), state.batch.targets, smoothing_);
    } else {
      state.batch.targets = original_targets_;
      original_targets_ = at::Tensor();
    }
  }

 private:
  double smoothing_;
  at::Tensor original_targets_;
};

void register_label_smoothing(cairn::Registrar& registrar) {
  registrar.add_algorithm(
      "LabelSmoothing",
      [](const nlohmann::json& config) { return std::make_unique<LabelSmoothing>(read_smoothing(config)); },
      "smooths the targets of the loss {smoothing}");
  registrar.describe_config("algorithm", "LabelSmoothing", {{"smoothing", "float", "0.1", "the probability mass spread over all classes, in (0, 1)"}});
}

}  // namespace

CAIRN_PLUGIN("label_smoothing", "1.0.0", "LabelSmoothing: cross-entropy against smoothed targets",
             register_label_smoothing)
