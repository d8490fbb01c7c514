// Callback plugin "LRMonitor", as Composer's LRMonitor: at every BATCH_END it
// logs the learning rate of each parameter group of each optimizer as
// lr-<Optimizer class>/group<index>, after the schedulers stepped. No state.
#include <map>

#include <torch/optim/optimizer.h>

#include "cairn/callback.h"
#include "cairn/config.h"
#include "cairn/logger.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn_plugins/optimizer_name.h"

namespace {

class LRMonitor : public cairn::Callback {
 public:
  void on_event(cairn::Event event, cairn::State& state) override {
    if (event != cairn::Event::BATCH_END) return;
    std::map<std::string, double> metrics;
    for (const auto& optimizer : state.optimizers) {
      const std::string prefix = "lr-" + cairn::plugins::class_name(*optimizer) + "/group";
      const auto& groups = optimizer->param_groups();
      for (size_t i = 0; i < groups.size(); ++i) metrics[prefix + std::to_string(i)] = groups[i].options().get_lr();
    }
    state.logger->log_metrics(metrics, state.timestamp);
  }
};

void register_lr_monitor(cairn::Registrar& registrar) {
  registrar.add_callback(
      "LRMonitor",
      [](const nlohmann::json& json) -> std::unique_ptr<cairn::Callback> {
        cairn::Config("callback 'LRMonitor'", json).finish();  // takes no options
        return std::make_unique<LRMonitor>();
      },
      "logs each optimizer param group's learning rate (lr-<Optimizer>/group<i>); no options");
  registrar.describe_config("callback", "LRMonitor", {});
}

}  // namespace

CAIRN_PLUGIN("lr_monitor", "1.0.0", "Composer's LRMonitor: learning rate per optimizer param group", register_lr_monitor)
