// Before training: the first batch of train_dataloader (and of each
// evaluation dataloader) goes through the model and its loss once, so that data that does not fit the model, or a duration
// in a unit the data cannot count, is refused with one line naming both sides
// rather than surfacing as torch's own text (or an endless run) mid-training.
//
// The model runs in eval mode without gradients: dropout draws no random
// numbers and batch norm keeps its statistics, so the run that follows is the
// same as without the check.
#include <sstream>

#include <c10/util/Exception.h>
#include <torch/nn/module.h>

#include "cairn/errors.h"
#include "core/one_line.h"
#include "trainer/eval_mode.h"
#include "trainer/first_batch_check.h"
#include "trainer/trainer.h"
#include "trainer/trainer_impl.h"

namespace cairn {
namespace {

std::string shape_of(const at::Tensor& t) {
  if (!t.defined()) return "(none)";
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

// What the model's first weight says about the inputs it takes: Linear and
// Conv weights are [out, in, ...], so dimension 1 is the input size.
std::string expected_input(torch::nn::Module& module) {
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    if (p.value().dim() < 2) continue;
    std::ostringstream out;
    out << "first layer takes inputs of size " << p.value().size(1) << " (weight '" << p.key() << "' has shape "
        << p.value().sizes() << ")";
    return out.str();
  }
  return "parameters do not say which input size it takes";
}

// Names the settings whose interval is counted in tokens.
void refuse_tokens_if_uncounted(const Time& time, const std::string& setting) {
  if (time.unit() != TimeUnit::TOKEN) return;
  throw ConfigError(setting + " '" + time.to_string() +
                    "' counts tokens, but train_dataloader's batches have none (num_tokens is 0), so it would never "
                    "be reached; use ep, ba or sp");
}

}  // namespace

void Trainer::Impl::check_first_batch() {
  // Its own loader (seed 0: any order will do) checks the dataset's size and
  // batch size as training will.
  DataLoader probe(options.train_dataloader, 0);
  probe.start_epoch(0);
  Batch batch = probe.batch(0);

  if (batch.num_tokens <= 0) {
    refuse_tokens_if_uncounted(state.max_duration, "max_duration");
    for (const auto* writer : writers) {
      if (const auto interval = writer->save_interval_time()) refuse_tokens_if_uncounted(*interval, "save_interval");
    }
  }

  move_batch_to(batch, state.device);
  {
    EvalModeScope eval_mode(*state.model->module());
    (void)outputs_that_fit(state, batch, "the data (--data)");
  }
  for (auto& evaluator : evaluators) evaluator.check_first_batch(state);
}

at::Tensor outputs_that_fit(State& state, const Batch& batch, const std::string& data) {
  at::Tensor outputs;
  try {
    outputs = state.model->forward(batch.inputs);
  } catch (const c10::Error& e) {
    throw ConfigError("the model (--model) does not fit " + data + ": the first batch has inputs of shape " +
                      shape_of(batch.inputs) + " but the model's " + expected_input(*state.model->module()) +
                      "; make the dataset's features and the model's input size agree (torch: " + exception_line(e) +
                      ")");
  }
  try {
    (void)state.model->loss(outputs, batch.targets);
  } catch (const c10::Error& e) {
    throw ConfigError("the model's loss does not fit " + data + ": the first batch has targets of shape " +
                      shape_of(batch.targets) + " and the model gives outputs of shape " + shape_of(outputs) +
                      "; make the dataset's labels fit the model's outputs, e.g. the same number of classes (torch: " +
                      exception_line(e) + ")");
  }
  return outputs;
}

}  // namespace cairn
