#include "trainer/eval_metrics.h"

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <c10/core/ScalarType.h>

#include "cairn/errors.h"
#include "cairn/state_dict.h"

namespace cairn {

bool is_classification(const at::Tensor& outputs, const at::Tensor& targets) {
  if (!outputs.defined() || !targets.defined()) return false;
  if (!c10::isFloatingType(outputs.scalar_type())) return false;
  if (!c10::isIntegralType(targets.scalar_type(), /*includeBool=*/false)) return false;
  if (outputs.dim() != targets.dim() + 1 || outputs.dim() < 2) return false;
  if (outputs.size(0) != targets.size(0)) return false;
  return outputs.sizes().slice(2).equals(targets.sizes().slice(1));
}

EvalMetricKinds eval_metric_kinds(Model& model, const at::Tensor& outputs, const at::Tensor& targets) {
  EvalMetricKinds kinds;
  kinds.accuracy = is_classification(outputs, targets);
  kinds.loss_name = "Loss";
  if (kinds.accuracy) {
    const at::Tensor loss = model.loss(outputs, targets);
    const at::Tensor cross_entropy = at::cross_entropy_loss(outputs, targets);
    // The same operation gives the same bits; a hand-written cross-entropy
    // (log_softmax then nll_loss) differs only in rounding.
    if (loss.numel() == 1 && at::allclose(loss.to(at::kDouble), cross_entropy.to(at::kDouble), 1e-5, 1e-7)) {
      kinds.loss_name = "CrossEntropy";
    }
  }
  return kinds;
}

void EvalMetricSums::add(Model& model, const at::Tensor& outputs, const Batch& batch) {
  const at::Tensor loss = model.loss(outputs, batch.targets).detach().to(at::kDouble).sum() * double(batch.num_samples);
  loss_sum_ = loss_sum_.defined() ? loss_sum_ + loss : loss;
  samples_ += batch.num_samples;
  if (kinds_.accuracy && is_classification(outputs, batch.targets)) {
    const at::Tensor correct = outputs.argmax(1).eq(batch.targets).sum();
    correct_ = correct_.defined() ? correct_ + correct : correct;
    targets_ += batch.targets.numel();
  }
}

void EvalMetricSums::sum_over_ranks(Collectives& job) {
  if (job.size() == 1) return;
  // One collective for the four sums; doubles hold the counts exactly (< 2^53).
  const at::Tensor zero = at::zeros({}, at::kDouble);
  std::vector<at::Tensor> sums{at::stack({loss_sum_.defined() ? loss_sum_.cpu().to(at::kDouble) : zero,
                                          correct_.defined() ? correct_.cpu().to(at::kDouble) : zero,
                                          at::scalar_tensor(double(samples_), at::kDouble),
                                          at::scalar_tensor(double(targets_), at::kDouble)})};
  job.allreduce(sums, ReduceOp::kSum);
  const double* total = sums[0].data_ptr<double>();
  loss_sum_ = at::scalar_tensor(total[0], at::kDouble);
  correct_ = at::scalar_tensor(int64_t(total[1]), at::kLong);
  samples_ = int64_t(total[2]);
  targets_ = int64_t(total[3]);
}

std::map<std::string, double> EvalMetricSums::compute() const {
  std::map<std::string, double> values;
  if (samples_ > 0) values[kinds_.loss_name] = loss_sum_.item<double>() / double(samples_);
  if (targets_ > 0) values["MulticlassAccuracy"] = double(correct_.item<int64_t>()) / double(targets_);
  return values;
}

c10::IValue eval_metrics_to_ivalue(const EvalMetricValues& metrics) {
  auto root = make_dict();
  for (const auto& [label, values] : metrics) {
    auto d = make_dict();
    for (const auto& [name, value] : values) d.insert(name, value);
    root.insert(label, d);
  }
  return root;
}

void load_eval_metrics(const c10::IValue& stored, EvalMetricValues& metrics) {
  const std::string where = "state/eval_metrics";
  if (!stored.isGenericDict()) throw CheckpointError(where + " is not a dict of {label: {metric: value}}");
  for (const auto& entry : stored.toGenericDict()) {
    if (!entry.key().isString()) throw CheckpointError(where + " has a key that is not a dataloader label");
    const std::string label = entry.key().toStringRef();
    if (!entry.value().isGenericDict()) throw CheckpointError(where + "/" + label + " is not a dict of {metric: value}");
    const auto it = metrics.find(label);
    if (it == metrics.end()) continue;
    std::map<std::string, double> values;
    for (const auto& m : entry.value().toGenericDict()) {
      const c10::IValue& v = m.value();
      if (!m.key().isString() || !(v.isDouble() || v.isInt())) {
        throw CheckpointError(where + "/" + label + " holds an entry that is not {name: number}");
      }
      values[m.key().toStringRef()] = v.isDouble() ? v.toDouble() : double(v.toInt());
    }
    it->second = std::move(values);
  }
}

}  // namespace cairn
