// Callback plugin "EarlyStopper", as Composer's EarlyStopper.
//
// Watches `monitor`, a metric the run logs: of the last training batch
// ("loss/train") with dataloader_label "train", or of the last evaluation
// ("MulticlassAccuracy", "CrossEntropy") with dataloader_label "eval". A value
// improves on the best so far when comp(value, best) holds and it differs from
// the best by more than |min_delta|. When the time since the best exceeds
// `patience` (an int: epochs; or "3ep" / "20ba"), training stops after the
// current batch through state.stop_training(), which still writes the
// end-of-training checkpoint. A training metric is checked at EPOCH_END, and
// at BATCH_END when patience is in batches; an evaluation metric at the
// EVAL_END of its dataloader.
//
// State: best (None until the first check), the epoch and batch where it
// occurred, and wait (the time since then, in patience's unit).
#include <cmath>
#include <optional>

#include "cairn/callback.h"
#include "cairn/config.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn/state_reader.h"
#include "cairn/state_writer.h"
#include "cairn/time.h"
#include "cairn_plugins/monitored_metric.h"

namespace {

using cairn::optional_value;
using cairn::StateReader;
using namespace cairn::plugins;

const char* const kOwner = "callback 'EarlyStopper'";

class EarlyStopper : public cairn::Callback {
 public:
  EarlyStopper(std::string monitor, std::string label, Comparison comp, double min_delta, cairn::Time patience)
      : monitor_(std::move(monitor)),
        label_(std::move(label)),
        comp_(comp),
        min_delta_(std::fabs(min_delta)),
        patience_(patience) {}

  void on_event(cairn::Event event, cairn::State& state) override {
    if (event == cairn::Event::INIT) check_dataloader_label(state, kOwner, label_);
    const bool batch_patience = patience_.unit() == cairn::TimeUnit::BATCH;
    if (check_due(event, state, label_, batch_patience)) update(state);
  }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    d.insert("best", optional_value(best_));
    d.insert("best_epoch", best_epoch_);
    d.insert("best_batch", best_batch_);
    d.insert("wait", wait_);
    return d;
  }

  void load_state_dict(const c10::IValue& state) override {
    StateReader r(kOwner, state);
    r.read("best", best_);
    r.read("best_epoch", best_epoch_);
    r.read("best_batch", best_batch_);
    r.read("wait", wait_);
  }

 private:
  void update(cairn::State& state) {
    const double value = monitored_value(state, kOwner, label_, monitor_);
    if (!best_ || (holds(comp_, value, *best_) && std::fabs(value - *best_) > min_delta_)) {
      best_ = value;
      best_epoch_ = state.timestamp.epoch;
      best_batch_ = state.timestamp.batch;
    }
    const bool in_batches = patience_.unit() == cairn::TimeUnit::BATCH;
    wait_ = in_batches ? state.timestamp.batch - best_batch_ : state.timestamp.epoch - best_epoch_;
    if (wait_ > patience_.count()) state.stop_training();
  }

  std::string monitor_;
  std::string label_;
  Comparison comp_;
  double min_delta_;
  cairn::Time patience_;
  std::optional<double> best_;
  int64_t best_epoch_ = 0;
  int64_t best_batch_ = 0;
  int64_t wait_ = 0;
};

cairn::Time read_patience(cairn::Config& cfg) {
  const cairn::Time patience = cfg.get_time("patience", "1ep", cairn::TimeUnit::EPOCH);
  if (patience.unit() != cairn::TimeUnit::EPOCH && patience.unit() != cairn::TimeUnit::BATCH) {
    cfg.fail("patience", "is in '" + std::string(cairn::to_string(patience.unit())) + "'; use ep or ba");
  }
  if (patience.value() < 0) cfg.fail("patience", "must not be negative");
  return patience;
}

void register_early_stopper(cairn::Registrar& registrar) {
  registrar.add_callback(
      "EarlyStopper",
      [](const nlohmann::json& json) -> std::unique_ptr<cairn::Callback> {
        cairn::Config cfg(kOwner, json);
        const auto monitor = cfg.require<std::string>("monitor");
        const std::string label = read_dataloader_label(cfg);
        const Comparison comp = read_comparison(cfg, monitor);
        const auto min_delta = cfg.get<double>("min_delta", 0.0);
        const cairn::Time patience = read_patience(cfg);
        cfg.finish();
        return std::make_unique<EarlyStopper>(monitor, label, comp, min_delta, patience);
      },
      "stops training when a metric stops improving; config: monitor (required), dataloader_label (\"train\" or "
      "\"eval\"), "
      "comp (by monitor name), min_delta (0.0), patience (1 epoch; int or time string)");
  registrar.describe_config("callback", "EarlyStopper", {{"monitor", "string", "", "the metric to watch, as logged (loss/train; MulticlassAccuracy for eval)", "\"loss/train\""},
                            {"dataloader_label", "string", "\"train\"", "the dataloader the metric comes from: \"train\", or \"eval\" (--eval-data)"},
                            {"comp", "string | null", "null", "\"min\" (less, lt) or \"max\" (greater, gt); null: min for losses and errors, max otherwise", "\"min\""},
                            {"min_delta", "float", "0.0", "a change smaller than this is no improvement"},
                            {"patience", "int | time", "1", "how long without improvement before stopping (an int counts epochs)", "\"50ba\""}});
}

}  // namespace

CAIRN_PLUGIN("early_stopper", "1.0.0", "Composer's EarlyStopper: stops when a metric stops improving",
             register_early_stopper)
