#include "trainer/evaluator.h"

#include <algorithm>

#include "cairn/errors.h"
#include "cairn/logger.h"
#include "cairn/state_dict.h"
#include "core/event_dispatcher.h"
#include "core/ivalue_convert.h"
#include "core/rng.h"
#include "trainer/eval_mode.h"
#include "trainer/first_batch_check.h"
#include "trainer/trainer_options.h"

namespace cairn {
namespace {

// What training left in the state that an evaluation replaces or draws from:
// the random generators and the batch in flight. Put back when it ends, errors
// included, so the next training batch sees what it would have seen.
class TrainingStateKeeper {
 public:
  explicit TrainingStateKeeper(State& state)
      : state_(state), rng_(capture_rng_state()), batch_(state.batch), outputs_(state.outputs), loss_(state.loss) {}
  ~TrainingStateKeeper() {
    state_.batch = std::move(batch_);
    state_.outputs = std::move(outputs_);
    state_.loss = std::move(loss_);
    state_.eval_label.clear();
    try {
      restore_rng_state(rng_);
    } catch (...) {
      // What capture_rng_state returned is always restorable.
    }
  }
  TrainingStateKeeper(const TrainingStateKeeper&) = delete;
  TrainingStateKeeper& operator=(const TrainingStateKeeper&) = delete;

 private:
  State& state_;
  c10::IValue rng_;
  Batch batch_;
  at::Tensor outputs_, loss_;
};

// Whether `event` is one a Time interval counts at, as the checkpoint event
// create_interval_scheduler knows: EPOCH_END as EPOCH_CHECKPOINT, BATCH_END as
// BATCH_CHECKPOINT (the timestamps are the same at both).
Event as_interval_event(Event event) {
  return event == Event::EPOCH_END ? Event::EPOCH_CHECKPOINT : Event::BATCH_CHECKPOINT;
}

std::shared_ptr<Dataset> required(std::shared_ptr<Dataset> data) {
  if (!data) throw ConfigError("eval_dataloader is empty (null pointer); give a cairn::Dataset");
  return data;
}

}  // namespace

std::optional<std::string> eval_interval_problem(const Time& interval) {
  const TimeUnit unit = interval.unit();
  if (unit != TimeUnit::EPOCH && unit != TimeUnit::BATCH && unit != TimeUnit::DURATION) {
    return "'" + interval.to_string() + "' is in " + to_string(unit) +
           "; evaluation is scheduled in ep, ba or dur, as in Composer (an integer counts epochs)";
  }
  if (interval.value() < 0) {
    return "'" + interval.to_string() + "' is negative; give a positive interval such as 1ep or 100ba (0 disables "
           "evaluation)";
  }
  return std::nullopt;
}

std::optional<std::string> eval_subset_num_batches_problem(int64_t subset_num_batches) {
  if (subset_num_batches == -1 || subset_num_batches > 0) return std::nullopt;
  return "is " + std::to_string(subset_num_batches) +
         "; give a positive number of batches, or -1 to evaluate on all of them (the default)";
}

Evaluator::Evaluator(std::string label, std::shared_ptr<Dataset> data, const SaveInterval& interval,
                     int64_t subset_num_batches, const DistInfo& dist)
    : label_(std::move(label)),
      // Read in order, never shuffled: every evaluation sees the same batches,
      // the same subset with subset_num_batches. Each rank reads its part, as
      // Composer's DistributedSampler(shuffle=False) gives it.
      loader_(required(std::move(data)), 0, "eval_dataloader", /*in_order=*/true, dist.global_rank(), dist.size()),
      subset_num_batches_(subset_num_batches) {
  if (const auto* time = std::get_if<Time>(&interval)) {
    if (const auto problem = eval_interval_problem(*time)) throw ConfigError("eval_interval " + *problem);
    scheduler_ = create_interval_scheduler(*time, /*include_end_of_training=*/false);
    is_time_ = true;
    enabled_ = time->value() > 0;
  } else {
    scheduler_ = std::get<IntervalScheduler>(interval);
    if (!scheduler_) throw ConfigError("eval_interval is an empty predicate; give a Time or a callable");
  }
  if (const auto problem = eval_subset_num_batches_problem(subset_num_batches)) {
    throw ConfigError("eval_subset_num_batches " + *problem);
  }
}

bool Evaluator::due(const State& state, Event event) {
  if (!is_time_) return scheduler_(state, event);
  if (!enabled_) return false;
  bool fire = false;
  if (event == Event::FIT_END) {
    fire = state.timestamp.batch != last_batch_seen_;
  } else if (event == Event::BATCH_END || event == Event::EPOCH_END) {
    fire = scheduler_(state, as_interval_event(event));
  }
  if (fire) last_batch_seen_ = state.timestamp.batch;
  return fire;
}

void Evaluator::check_first_batch(State& state) {
  TrainingStateKeeper keep(state);
  loader_.start_epoch(0);
  Batch batch = loader_.batch(0);
  move_batch_to(batch, state.device);
  EvalModeScope eval_mode(*state.model->module());
  const at::Tensor outputs = outputs_that_fit(state, batch, "the evaluation data (--eval-data)");
  kinds_ = eval_metric_kinds(*state.model, outputs, batch.targets);
}

void Evaluator::evaluate(State& state, EventDispatcher& events) {
  EvalModeScope eval_mode(*state.model->module());
  state.eval_label = label_;
  events.run(Event::EVAL_START, state);
  loader_.start_epoch(0);
  const int64_t available = loader_.num_batches();
  const int64_t batches = subset_num_batches_ < 0 ? available : std::min(subset_num_batches_, available);
  std::optional<EvalMetricSums> sums;
  for (int64_t i = 0; i < batches; ++i) {
    Batch batch = loader_.batch(i);
    move_batch_to(batch, state.device);
    state.batch = std::move(batch);
    events.run(Event::EVAL_BATCH_START, state);
    events.run(Event::EVAL_BEFORE_FORWARD, state);
    state.outputs = state.model->forward(state.batch.inputs);
    events.run(Event::EVAL_AFTER_FORWARD, state);
    if (!kinds_) kinds_ = eval_metric_kinds(*state.model, state.outputs, state.batch.targets);
    if (!sums) sums.emplace(*kinds_);
    sums->add(*state.model, state.outputs, state.batch);
    events.run(Event::EVAL_BATCH_END, state);
  }
  // Every rank has the same number of batches (the sampler pads), so all
  // or none take part in the sum.
  if (sums) sums->sum_over_ranks(collectives());
  const std::map<std::string, double> values = sums ? sums->compute() : std::map<std::string, double>{};
  std::map<std::string, double> logged;
  for (const auto& [name, value] : values) logged["metrics/" + label_ + "/" + name] = value;
  state.logger->log_metrics(logged, state.timestamp);
  state.eval_metrics[label_] = values;
  events.run(Event::EVAL_END, state);
  state.eval_label.clear();  // as Composer's dataloader_label goes back to "train"
}

std::vector<Evaluator> make_evaluators(const TrainerOptions& options, State& state) {
  std::vector<Evaluator> evaluators;
  if (!options.eval_dataloader) return evaluators;
  evaluators.emplace_back(kEvalLabel, options.eval_dataloader, options.eval_interval,
                          options.eval_subset_num_batches, state.dist);
  for (const auto& e : evaluators) {
    state.eval_metrics[e.label()];
    if (!e.enabled()) {
      state.logger->warn("eval_interval is 0, which disables evaluation (as in Composer): eval_dataloader '" +
                         e.label() + "' will not be evaluated");
    }
  }
  return evaluators;
}

void run_evaluators(std::vector<Evaluator>& evaluators, Event event, State& state, EventDispatcher& events) {
  std::vector<Evaluator*> due;
  for (auto& e : evaluators) {
    if (e.due(state, event)) due.push_back(&e);
  }
  if (due.empty()) return;
  TrainingStateKeeper keep(state);
  events.run(Event::EVAL_BEFORE_ALL, state);
  for (Evaluator* e : due) e->evaluate(state, events);
  events.run(Event::EVAL_AFTER_ALL, state);
}

c10::IValue eval_dataset_states(std::vector<Evaluator>& evaluators) {
  auto d = make_dict();
  for (auto& e : evaluators) d.insert(e.label(), e.dataset().state_dict());
  return d;
}

void load_eval_dataset_states(std::vector<Evaluator>& evaluators, const c10::IValue& stored) {
  for (auto& e : evaluators) {
    if (const c10::IValue* state = find_key(stored, e.label())) e.dataset().load_state_dict(*state);
  }
}

}  // namespace cairn
