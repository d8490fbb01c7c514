// Algorithm plugin "SWA": stochastic weight averaging, as Composer's
// composer.algorithms.SWA.
//
// Config (Composer's names and defaults):
//   swa_start        time string in dur, ep or ba, default "0.7dur"
//   swa_end          time string in the unit of swa_start, default "0.97dur"
//   update_interval  time string in ep or ba, default "1ep"
//   schedule_swa_lr  bool, default false: anneal the LR to swa_lr once SWA starts
//   anneal_strategy  "linear" (or "lin") or "cos" (or "cosine"), default "linear"
//   anneal_steps     int > 0, default 10 (update events the annealing takes)
//   swa_lr           float > 0, default null: the optimizer's LR when SWA starts
//
// From swa_start, at every update_interval-th BATCH_END (or EPOCH_END) the
// parameters are added to a running average (torch AveragedModel:
// avg += (w - avg) / (n + 1)) and, with schedule_swa_lr, PyTorch's SWALR
// schedule steps. At swa_end the averaged parameters are loaded into the
// model. As Composer, training then goes on with the averaged parameters fixed
// (every optimizer step after swa_end is undone), so the remaining batches only
// refresh the buffers, e.g. batch-norm statistics, for the averaged weights.
//
// State: swa_model {name: tensor}, n_averaged, swa_started, swa_completed,
// step_counter, swa_scheduler (SWALR's state, or None).
#include <torch/optim/optimizer.h>

#include <optional>

#include "cairn/algorithm.h"
#include "cairn/config.h"
#include "cairn/config_time.h"
#include "cairn/logger.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn/state_reader.h"
#include "cairn/time_reached.h"
#include "cairn/update_interval.h"
#include "cairn_plugins/model_tensors.h"
#include "swa_lr.h"

namespace {

using cairn::check_update_interval;
using cairn::Event;
using cairn::read_time;
using cairn::StateReader;
using cairn::Time;
using cairn::time_reached;
using cairn::TimeUnit;
using cairn::update_event;
using namespace cairn::plugins;

struct SwaOptions {
  Time swa_start, swa_end, update_interval;
  bool schedule_swa_lr = false;
  SwaLr::Strategy anneal_strategy = SwaLr::Strategy::kLinear;
  int64_t anneal_steps = 10;
  std::optional<double> swa_lr;
};

SwaOptions read_options(const nlohmann::json& json) {
  cairn::Config cfg("algorithm 'SWA'", json);
  const std::vector<TimeUnit> start_units = {TimeUnit::DURATION, TimeUnit::EPOCH, TimeUnit::BATCH};
  SwaOptions o;
  o.swa_start = read_time(cfg, "swa_start", "0.7dur", start_units);
  o.swa_end = read_time(cfg, "swa_end", "0.97dur", start_units);
  o.update_interval = read_time(cfg, "update_interval", "1ep", {TimeUnit::EPOCH, TimeUnit::BATCH});
  o.schedule_swa_lr = cfg.get<bool>("schedule_swa_lr", false);
  const auto strategy = cfg.get<std::string>("anneal_strategy", "linear");
  o.anneal_steps = cfg.get<int64_t>("anneal_steps", 10);
  const auto swa_lr = cfg.get<nlohmann::json>("swa_lr", nullptr);
  cfg.finish();

  if (o.swa_start.unit() != o.swa_end.unit()) {
    cfg.fail("swa_end", "is in '" + std::string(to_string(o.swa_end.unit())) + "' but swa_start is in '" +
                            to_string(o.swa_start.unit()) + "'; use the same unit for both");
  }
  if (!(o.swa_start.value() < o.swa_end.value())) {
    cfg.fail("swa_end",
             "(\"" + o.swa_end.to_string() + "\") must be later than swa_start (\"" + o.swa_start.to_string() + "\")");
  }
  check_update_interval(cfg, o.update_interval);
  if (strategy == "linear" || strategy == "lin") {
    o.anneal_strategy = SwaLr::Strategy::kLinear;
  } else if (strategy == "cos" || strategy == "cosine") {
    o.anneal_strategy = SwaLr::Strategy::kCos;
  } else {
    cfg.fail("anneal_strategy", "is \"" + strategy + "\"; use \"cos\" or \"linear\"");
  }
  if (o.anneal_steps <= 0)
    cfg.fail("anneal_steps", "must be greater than 0 (got " + std::to_string(o.anneal_steps) + ")");
  if (!swa_lr.is_null()) {
    if (!swa_lr.is_number() || !(swa_lr.get<double>() > 0)) {
      cfg.fail("swa_lr", "must be a number greater than 0, or null for the optimizer's LR (got " + swa_lr.dump() + ")");
    }
    o.swa_lr = swa_lr.get<double>();
  }
  return o;
}

class SWA : public cairn::Algorithm {
 public:
  explicit SWA(SwaOptions o)
      : options_(std::move(o)),
        update_event_(update_event(options_.update_interval)) {}

  bool match(Event event, const cairn::State& state) override {
    if (event == Event::INIT) return true;
    if (swa_completed_) return event == Event::AFTER_TRAIN_BATCH;
    return event == update_event_ && time_reached(options_.swa_start, state);
  }

  void apply(Event event, cairn::State& state) override {
    const auto live = live_tensors(*state.model->module(), /*with_buffers=*/false);
    if (event == Event::INIT) {
      average_ = TensorCopy(live);
      optimizer_ = state.optimizers.front();
      return;
    }
    if (event == Event::AFTER_TRAIN_BATCH) {  // after swa_end: the averaged parameters stay
      average_.copy_to(live);
      return;
    }
    if (!swa_started_ && options_.schedule_swa_lr) start_schedule();
    swa_started_ = true;
    if (step_counter_ % options_.update_interval.count() == 0) {
      update_average(live);
      if (scheduler_) scheduler_->step();
    }
    ++step_counter_;
    if (time_reached(options_.swa_end, state)) {
      swa_completed_ = true;
      average_.copy_to(live);
      if (state.logger)
        state.logger->info("SWA: the model now holds the average of " + std::to_string(n_averaged_) +
                           " snapshots (swa_end " + options_.swa_end.to_string() + ")");
    }
  }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    d.insert("swa_model", average_.to_dict());
    d.insert("n_averaged", n_averaged_);
    d.insert("swa_started", swa_started_);
    d.insert("swa_completed", swa_completed_);
    d.insert("step_counter", step_counter_);
    d.insert("swa_scheduler", scheduler_ ? scheduler_->state_dict() : c10::IValue());
    return d;
  }

  void load_state_dict(const c10::IValue& saved) override {
    const StateReader reader("algorithm SWA", saved);
    if (auto average = reader.dict("swa_model")) average_.load_dict(*average, reader, "swa_model");
    reader.read("n_averaged", n_averaged_);
    reader.read("swa_started", swa_started_);
    reader.read("swa_completed", swa_completed_);
    reader.read("step_counter", step_counter_);
    if (reader.has_value("swa_scheduler")) {
      if (!optimizer_) reader.fail("swa_scheduler", "cannot be restored before the trainer's INIT");
      scheduler_ = SwaLr::restore(optimizer_, *reader.dict("swa_scheduler"), "algorithm SWA's saved swa_scheduler");
    } else if (reader.has("swa_scheduler")) {
      scheduler_.reset();
    }
  }

 private:
  void start_schedule() {
    std::vector<double> swa_lrs;
    for (const auto& group : optimizer_->param_groups())
      swa_lrs.push_back(options_.swa_lr.value_or(group.options().get_lr()));
    scheduler_ = std::make_unique<SwaLr>(optimizer_, swa_lrs, options_.anneal_steps, options_.anneal_strategy);
  }

  // torch.optim.swa_utils.AveragedModel.update_parameters with the default avg_fn.
  void update_average(const std::vector<std::pair<std::string, at::Tensor>>& live) {
    c10::NoGradGuard no_grad;
    for (size_t i = 0; i < average_.size(); ++i) {
      const at::Tensor w = live[i].second.detach();
      if (n_averaged_ == 0) {
        average_[i].copy_(w);
      } else {
        average_[i].copy_(average_[i] + (w - average_[i]) / double(n_averaged_ + 1));
      }
    }
    ++n_averaged_;
  }

  SwaOptions options_;
  Event update_event_;
  TensorCopy average_;
  int64_t n_averaged_ = 0;
  bool swa_started_ = false;
  bool swa_completed_ = false;
  int64_t step_counter_ = 0;
  std::unique_ptr<SwaLr> scheduler_;
  // The optimizer whose LR SWALR anneals (Composer: the first one).
  std::shared_ptr<torch::optim::Optimizer> optimizer_;
};

void register_swa(cairn::Registrar& registrar) {
  registrar.add_algorithm(
      "SWA", [](const nlohmann::json& config) { return std::make_unique<SWA>(read_options(config)); },
      "stochastic weight averaging {swa_start, swa_end, update_interval, schedule_swa_lr, anneal_strategy, "
      "anneal_steps, swa_lr}");
  registrar.describe_config("algorithm", "SWA", {{"swa_start", "time", "\"0.7dur\"", "when averaging starts (dur, ep or ba)"},
                            {"swa_end", "time", "\"0.97dur\"", "when the average is loaded into the model (swa_start's unit)"},
                            {"update_interval", "time", "\"1ep\"", "how often the average is updated (ep or ba)"},
                            {"schedule_swa_lr", "bool", "false", "anneal the learning rate to swa_lr once averaging starts"},
                            {"anneal_strategy", "string", "\"linear\"", "\"linear\" or \"cos\""},
                            {"anneal_steps", "int", "10", "updates the annealing takes"},
                            {"swa_lr", "float | null", "null", "the learning rate to anneal to; null: the optimizer's when averaging starts", "0.01"}});
}

}  // namespace

CAIRN_PLUGIN("swa", "1.0.0", "SWA: stochastic weight averaging", register_swa)
