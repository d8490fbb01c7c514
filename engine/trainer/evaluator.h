// Evaluation during fit, as Composer has it: an Evaluator is a labelled
// dataloader with its eval_interval and subset_num_batches (Composer's
// Evaluator), and run_evaluators is the trainer's _run_evaluators/_eval_loop.
//
// The trainer asks at BATCH_END and EPOCH_END (before the *_CHECKPOINT event,
// so a checkpoint holds the metrics of the evaluation just done) and after
// FIT_END. An evaluation leaves training as it found it: the model goes back
// to train mode, no gradient is touched, the random generators are restored
// (so training with evaluation is bitwise the same as without), and so are
// state.batch, state.outputs and state.loss.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/dataset.h"
#include "cairn/event.h"
#include "cairn/state.h"
#include "checkpoint/saver/interval.h"
#include "trainer/dataloader.h"
#include "trainer/eval_metrics.h"

namespace cairn {

class EventDispatcher;
struct TrainerOptions;

// Composer's default evaluator label.
inline constexpr const char* kEvalLabel = "eval";

// What is wrong with an eval_interval, or nothing. Composer's
// evaluate_periodically takes ep, ba and dur (an integer is epochs; 0
// disables evaluation); Cairn also refuses a negative one.
std::optional<std::string> eval_interval_problem(const Time& interval);
// What is wrong with an eval_subset_num_batches: -1 (all) or a positive count.
std::optional<std::string> eval_subset_num_batches_problem(int64_t subset_num_batches);

class Evaluator {
 public:
  // ConfigError for a bad interval, subset or dataset.
  // `dist`: this rank, which evaluates its part of the data.
  Evaluator(std::string label, std::shared_ptr<Dataset> data, const SaveInterval& interval, int64_t subset_num_batches,
            const DistInfo& dist = DistInfo::single_process());

  const std::string& label() const { return label_; }
  Dataset& dataset() { return loader_.dataset(); }
  // False when the interval is a Time of zero, which disables evaluation.
  bool enabled() const { return enabled_; }

  // Composer's evaluate_periodically, asked at BATCH_END, EPOCH_END and
  // FIT_END: a Time interval fires at EPOCH_END (ep) or BATCH_END (ba, dur)
  // when its count is crossed, and at FIT_END unless it already fired at this
  // batch; a predicate is asked at all three.
  bool due(const State& state, Event event);

  // Runs the first batch through the model in eval mode without gradients, as
  // the trainer checks the training data, and decides the metrics from it.
  // ConfigError naming the evaluation data when it does not fit the model.
  void check_first_batch(State& state);

  // One pass over the data (its first subset_num_batches batches): EVAL_START,
  // per batch EVAL_BATCH_START, EVAL_BEFORE_FORWARD, EVAL_AFTER_FORWARD,
  // EVAL_BATCH_END; then the metrics are logged as "metrics/<label>/<name>"
  // and stored in state.eval_metrics[label]; then EVAL_END.
  void evaluate(State& state, EventDispatcher& events);

 private:
  std::string label_;
  DataLoader loader_;
  IntervalScheduler scheduler_;
  bool is_time_ = false;  // scheduler_ was made from a Time, not given
  bool enabled_ = true;
  int64_t subset_num_batches_;
  int64_t last_batch_seen_ = -1;
  std::optional<EvalMetricKinds> kinds_;
};

// The trainer's evaluators from its options (none without eval_dataloader),
// with each label entered in state.eval_metrics, as Composer's Trainer does
// at construction. Warns when eval_interval 0 disables evaluation.
std::vector<Evaluator> make_evaluators(const TrainerOptions& options, State& state);

// Composer's Trainer._run_evaluators at `event`: when any evaluator is due,
// EVAL_BEFORE_ALL, each due evaluator's evaluate(), EVAL_AFTER_ALL.
void run_evaluators(std::vector<Evaluator>& evaluators, Event event, State& state, EventDispatcher& events);

// state['dataset_state']['eval']: {label: the dataset's state_dict()}, and
// back (labels this run does not evaluate are ignored).
c10::IValue eval_dataset_states(std::vector<Evaluator>& evaluators);
void load_eval_dataset_states(std::vector<Evaluator>& evaluators, const c10::IValue& stored);

}  // namespace cairn
