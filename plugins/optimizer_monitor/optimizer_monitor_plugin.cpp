// Callback plugin "OptimizerMonitor", as Composer's OptimizerMonitor.
//
// Every `batch_log_interval` batches, at BATCH_END (gradients of the batch are
// still in place), it logs:
//   l2_norm/grad/<param>   the L2 norm of each parameter's gradient;
//   l2_norm/grad/global    the L2 norm of all gradients together;
// and with log_optimizer_metrics (the default), what Composer's
// DecoupledAdamW reports per parameter, where the optimizer has it:
//   l2_norm/param/<param>               the weights' L2 norm (every optimizer);
//   l2_norm/moment/<param>              Adam/AdamW first moment (exp_avg);
//   l2_norm/second_moment_sqrt/<param>  sqrt of the L2 norm of exp_avg_sq.
// Parameter names are the model's (fc1.weight). No state.
#include <cmath>
#include <map>
#include <unordered_map>

#include <torch/nn/module.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/optimizer.h>

#include "cairn/callback.h"
#include "cairn/config.h"
#include "cairn/logger.h"
#include "cairn/plugin.h"
#include "cairn/state.h"

namespace {

double l2_norm(const at::Tensor& t) { return t.detach().to(at::kDouble).norm().item<double>(); }

// The Adam-family moments of a parameter, if any optimizer holds them.
struct Moments {
  at::Tensor exp_avg, exp_avg_sq;
};

Moments moments_of(const at::Tensor& param, const std::vector<std::shared_ptr<torch::optim::Optimizer>>& optimizers) {
  const std::string key = c10::guts::to_string(param.unsafeGetTensorImpl());
  for (const auto& optimizer : optimizers) {
    auto it = optimizer->state().find(key);
    if (it == optimizer->state().end()) continue;
    if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(it->second.get())) {
      return {adam->exp_avg(), adam->exp_avg_sq()};
    }
    if (auto* adamw = dynamic_cast<torch::optim::AdamWParamState*>(it->second.get())) {
      return {adamw->exp_avg(), adamw->exp_avg_sq()};
    }
  }
  return {};
}

class OptimizerMonitor : public cairn::Callback {
 public:
  OptimizerMonitor(bool log_optimizer_metrics, int64_t batch_log_interval)
      : log_optimizer_metrics_(log_optimizer_metrics), batch_log_interval_(batch_log_interval) {}

  void on_event(cairn::Event event, cairn::State& state) override {
    if (event != cairn::Event::BATCH_END || state.timestamp.batch % batch_log_interval_ != 0) return;
    std::map<std::string, double> metrics;
    double squared_sum = 0;
    for (const auto& item : state.model->module()->named_parameters()) {
      const at::Tensor& param = item.value();
      if (!param.requires_grad() || !param.grad().defined()) continue;
      const double grad_norm = l2_norm(param.grad());
      metrics["l2_norm/grad/" + item.key()] = grad_norm;
      squared_sum += grad_norm * grad_norm;
      if (!log_optimizer_metrics_) continue;
      metrics["l2_norm/param/" + item.key()] = l2_norm(param);
      const Moments m = moments_of(param, state.optimizers);
      if (m.exp_avg.defined()) metrics["l2_norm/moment/" + item.key()] = l2_norm(m.exp_avg);
      if (m.exp_avg_sq.defined()) metrics["l2_norm/second_moment_sqrt/" + item.key()] = std::sqrt(l2_norm(m.exp_avg_sq));
    }
    metrics["l2_norm/grad/global"] = std::sqrt(squared_sum);
    state.logger->log_metrics(metrics, state.timestamp);
  }

 private:
  bool log_optimizer_metrics_;
  int64_t batch_log_interval_;
};

void register_optimizer_monitor(cairn::Registrar& registrar) {
  registrar.add_callback(
      "OptimizerMonitor",
      [](const nlohmann::json& json) -> std::unique_ptr<cairn::Callback> {
        cairn::Config cfg("callback 'OptimizerMonitor'", json);
        const bool log_optimizer_metrics = cfg.get<bool>("log_optimizer_metrics", true);
        const auto interval = cfg.get<int64_t>("batch_log_interval", 10);
        cfg.finish();
        if (interval < 1) cfg.fail("batch_log_interval", "must be at least 1 (got " + std::to_string(interval) + ")");
        return std::make_unique<OptimizerMonitor>(log_optimizer_metrics, interval);
      },
      "gradient, weight and Adam moment L2 norms (l2_norm/...); config: log_optimizer_metrics (true), "
      "batch_log_interval (10)");
  registrar.describe_config("callback", "OptimizerMonitor", {{"log_optimizer_metrics", "bool", "true", "also log the weights' and Adam moments' norms"},
                            {"batch_log_interval", "int", "10", "log every this many batches"}});
}

}  // namespace

CAIRN_PLUGIN("optimizer_monitor", "1.0.0", "Composer's OptimizerMonitor: gradient and weight norms",
             register_optimizer_monitor)
