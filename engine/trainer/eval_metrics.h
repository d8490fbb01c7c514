// The metrics an evaluation computes, as Composer's ComposerClassifier has
// them for its evaluation dataloaders, and how state.eval_metrics is stored in
// a checkpoint.
//
//   - the model's own loss (Model::loss, as training computes it), averaged
//     over the evaluation samples: "CrossEntropy" when that loss is
//     cross-entropy (the SDK's default), else "Loss";
//   - "MulticlassAccuracy" (micro: correct predictions over all targets) when
//     the outputs are class scores, [N, C, ...], for integer targets [N, ...].
#pragma once

#include <map>
#include <string>

#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>

#include "cairn/collectives.h"
#include "cairn/dataset.h"
#include "cairn/model.h"

namespace cairn {

// Which metrics apply, decided from one batch's outputs and targets.
struct EvalMetricKinds {
  std::string loss_name;  // "CrossEntropy" or "Loss"
  bool accuracy = false;  // "MulticlassAccuracy"
};

// Class scores for integer class targets: outputs [N, C, d1...] with targets
// [N, d1...] of an integer type.
bool is_classification(const at::Tensor& outputs, const at::Tensor& targets);

// The model's loss is named "CrossEntropy" when, on this batch, it equals
// torch's cross_entropy of the same outputs and targets.
EvalMetricKinds eval_metric_kinds(Model& model, const at::Tensor& outputs, const at::Tensor& targets);

// Sums over the batches of one evaluation; kept as tensors on the outputs'
// device so that no batch waits for the device.
class EvalMetricSums {
 public:
  explicit EvalMetricSums(EvalMetricKinds kinds) : kinds_(std::move(kinds)) {}
  // Adds one batch, whose loss `model.loss` returns as a mean over its samples.
  void add(Model& model, const at::Tensor& outputs, const Batch& batch);
  // The sums of every rank, each of which evaluated its part of the data
  // (what torchmetrics' sync does for Composer). Every rank calls it.
  void sum_over_ranks(Collectives& job);
  // {name: value}; empty when no batch was added.
  std::map<std::string, double> compute() const;

 private:
  EvalMetricKinds kinds_;
  at::Tensor loss_sum_, correct_;
  int64_t samples_ = 0, targets_ = 0;
};

// state.eval_metrics <-> {label: {name: float}} in state['eval_metrics'].
using EvalMetricValues = std::map<std::string, std::map<std::string, double>>;
c10::IValue eval_metrics_to_ivalue(const EvalMetricValues& metrics);
// Replaces the values of each label already in `metrics` (the run's
// evaluators) with the checkpoint's; labels this run does not evaluate are
// dropped, as Composer drops them. CheckpointError naming the entry on a
// value that is not {label: {name: number}}.
void load_eval_metrics(const c10::IValue& stored, EvalMetricValues& metrics);

}  // namespace cairn
