// The training state that callbacks and algorithms see and may change.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "cairn/dataset.h"
#include "cairn/dist.h"
#include "cairn/export.h"
#include "cairn/model.h"
#include "cairn/time.h"
#include "cairn/torch_fwd.h"

namespace cairn {

class Logger;

class CAIRN_EXPORT State {
 public:
  std::string run_name;
  uint64_t rank_zero_seed = 0;
  DistInfo dist = DistInfo::single_process();
  std::string device = "cpu";

  Time max_duration;
  Timestamp timestamp;
  // The timestamp before the last advance; empty until the first batch ends.
  std::optional<Timestamp> previous_timestamp;
  // Batches per epoch, when the dataloader is sized.
  std::optional<int64_t> dataloader_len;

  std::shared_ptr<Model> model;
  std::vector<std::shared_ptr<torch::optim::Optimizer>> optimizers;

  // The batch in flight; algorithms may replace any of these between events.
  Batch batch;
  at::Tensor outputs;
  at::Tensor loss;

  // Metrics of the last training batch ("loss/train", ...), as logged.
  std::map<std::string, double> train_metrics;
  // Metrics of the last evaluation, by evaluation dataloader label and then
  // metric name (Composer's eval_metrics): {"eval": {"CrossEntropy": 0.3,
  // "Accuracy": 0.9}}. Logged as "metrics/<label>/<name>".
  std::map<std::string, std::map<std::string, double>> eval_metrics;
  // The evaluation dataloader being run, between EVAL_START and EVAL_END.
  std::string eval_label;

  Logger* logger = nullptr;

  // Fraction of max_duration elapsed, measured in max_duration's unit.
  double elapsed_duration() const;
  // Ends training after the current batch: max_duration becomes "now", so the
  // end-of-training checkpoint is still written (as Composer does).
  void stop_training();
  bool stop_requested() const { return stop_requested_; }

 private:
  bool stop_requested_ = false;
};

}  // namespace cairn
