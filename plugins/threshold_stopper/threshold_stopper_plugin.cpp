// Callback plugin "ThresholdStopper", as Composer's ThresholdStopper: stops
// training (state.stop_training(), so the end-of-training checkpoint is still
// written) once comp(monitor, threshold) holds. A training metric
// (dataloader_label "train") is checked at EPOCH_END, and at every BATCH_END
// when stop_on_batch is true; an evaluation metric (dataloader_label "eval")
// at the EVAL_END of its dataloader. No state.
#include "cairn/callback.h"
#include "cairn/config.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn_plugins/monitored_metric.h"

namespace {

using namespace cairn::plugins;

const char* const kOwner = "callback 'ThresholdStopper'";

class ThresholdStopper : public cairn::Callback {
 public:
  ThresholdStopper(std::string monitor, std::string label, double threshold, Comparison comp, bool stop_on_batch)
      : monitor_(std::move(monitor)),
        label_(std::move(label)),
        threshold_(threshold),
        comp_(comp),
        stop_on_batch_(stop_on_batch) {}

  void on_event(cairn::Event event, cairn::State& state) override {
    if (event == cairn::Event::INIT) check_dataloader_label(state, kOwner, label_);
    if (!check_due(event, state, label_, stop_on_batch_)) return;
    if (holds(comp_, monitored_value(state, kOwner, label_, monitor_), threshold_)) state.stop_training();
  }

 private:
  std::string monitor_;
  std::string label_;
  double threshold_;
  Comparison comp_;
  bool stop_on_batch_;
};

void register_threshold_stopper(cairn::Registrar& registrar) {
  registrar.add_callback(
      "ThresholdStopper",
      [](const nlohmann::json& json) -> std::unique_ptr<cairn::Callback> {
        cairn::Config cfg(kOwner, json);
        const auto monitor = cfg.require<std::string>("monitor");
        const std::string label = read_dataloader_label(cfg);
        const auto threshold = cfg.require<double>("threshold");
        const Comparison comp = read_comparison(cfg, monitor);
        const bool stop_on_batch = cfg.get<bool>("stop_on_batch", false);
        cfg.finish();
        return std::make_unique<ThresholdStopper>(monitor, label, threshold, comp, stop_on_batch);
      },
      "stops training when a metric crosses a threshold; config: monitor, threshold (required), "
      "dataloader_label (\"train\" or \"eval\"), comp (by monitor name), stop_on_batch (false)");
  registrar.describe_config("callback", "ThresholdStopper", {{"monitor", "string", "", "the metric to watch, as logged (loss/train; MulticlassAccuracy for eval)", "\"loss/train\""},
                            {"dataloader_label", "string", "\"train\"", "the dataloader the metric comes from: \"train\", or \"eval\" (--eval-data)"},
                            {"threshold", "float", "", "stop once the metric passes this value", "0.5"},
                            {"comp", "string | null", "null", "\"min\" (less, lt) or \"max\" (greater, gt); null: min for losses and errors, max otherwise", "\"min\""},
                            {"stop_on_batch", "bool", "false", "also check a training metric after every batch, not only at epoch ends"}});
}

}  // namespace

CAIRN_PLUGIN("threshold_stopper", "1.0.0", "Composer's ThresholdStopper: stops when a metric crosses a threshold",
             register_threshold_stopper)
