// Algorithm plugin "SAM": sharpness-aware minimisation (Foret et al. 2021),
// as Composer's composer.algorithms.SAM with its SAMOptimizer.
//
// Config (Composer's names and defaults):
//   rho       float > 0, default 0.05: radius of the weight perturbation
//   epsilon   float > 0, default 1e-12: keeps the division finite
//   interval  int >= 1, default 1: do the SAM step every interval-th batch
//
// Every interval-th batch, at AFTER_BACKWARD (the gradients g at the weights w
// exist; the optimizer has not stepped), each parameter is moved to
// w + rho * g / (||g|| + epsilon), where ||g|| is the 2-norm of all the
// optimizers' gradients; the batch is run forward again through the model,
// its loss computed and backpropagated from zeroed gradients; then the weights
// are put back to w exactly. The optimizer then steps with the gradients taken
// at the perturbed point, as SAMOptimizer's second step does. The batch's
// reported loss stays the one at w. Other batches train normally.
//
// The second pass runs the model's forward and loss only: algorithms that
// change the batch at BEFORE_LOSS (LabelSmoothing) do not apply to it.
//
// State: global_step (batches seen; with interval it decides the next SAM step).
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "cairn/algorithm.h"
#include "cairn/collectives.h"
#include "cairn/config.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn/state_reader.h"

namespace {

struct SamOptions {
  double rho = 0.05;
  double epsilon = 1.0e-12;
  int64_t interval = 1;
};

SamOptions read_options(const nlohmann::json& json) {
  cairn::Config cfg("algorithm 'SAM'", json);
  SamOptions o;
  o.rho = cfg.get<double>("rho", o.rho);
  o.epsilon = cfg.get<double>("epsilon", o.epsilon);
  o.interval = cfg.get<int64_t>("interval", o.interval);
  cfg.finish();
  if (!(o.rho > 0)) cfg.fail("rho", "must be greater than 0 (got " + std::to_string(o.rho) + ")");
  if (!(o.epsilon > 0)) cfg.fail("epsilon", "must be greater than 0 (got " + std::to_string(o.epsilon) + ")");
  if (o.interval < 1) cfg.fail("interval", "must be at least 1 (got " + std::to_string(o.interval) + ")");
  return o;
}

class SAM : public cairn::Algorithm {
 public:
  explicit SAM(SamOptions o) : options_(o) {}

  bool match(cairn::Event event, const cairn::State&) override { return event == cairn::Event::AFTER_BACKWARD; }

  void apply(cairn::Event, cairn::State& state) override {
    if ((global_step_ + 1) % options_.interval == 0) sharpness_aware_gradients(state);
    ++global_step_;
  }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    d.insert("global_step", global_step_);
    return d;
  }

  void load_state_dict(const c10::IValue& saved) override {
    cairn::StateReader("algorithm SAM", saved).read("global_step", global_step_);
  }

 private:
  void sharpness_aware_gradients(cairn::State& state) {
    std::vector<at::Tensor> params;
    for (const auto& optimizer : state.optimizers) {
      for (const auto& group : optimizer->param_groups()) {
        for (const auto& p : group.params())
          if (p.grad().defined()) params.push_back(p);
      }
    }
    if (params.empty()) return;

    std::vector<at::Tensor> originals;
    {
      c10::NoGradGuard no_grad;
      std::vector<at::Tensor> norms;
      for (const auto& p : params) norms.push_back(p.grad().norm(2));
      const at::Tensor scale = options_.rho / (at::stack(norms).norm(2) + options_.epsilon);
      for (auto& p : params) {
        originals.push_back(p.detach().clone());
        p.add_(p.grad() * scale.to(p.scalar_type()));  // climb to w + e(w)
      }
    }
    for (const auto& optimizer : state.optimizers) optimizer->zero_grad();
    const at::Tensor outputs = state.model->forward(state.batch.inputs);
    state.model->loss(outputs, state.batch.targets).backward();
    cairn::average_gradients(params);  // the second pass, like the first, is every rank's
    c10::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(originals[i]);  // back to w
  }

  SamOptions options_;
  int64_t global_step_ = 0;
};

void register_sam(cairn::Registrar& registrar) {
  registrar.add_algorithm(
      "SAM", [](const nlohmann::json& config) { return std::make_unique<SAM>(read_options(config)); },
      "sharpness-aware minimisation {rho, epsilon, interval}");
  registrar.describe_config("algorithm", "SAM", {{"rho", "float", "0.05", "radius of the weight perturbation (> 0)"},
                            {"epsilon", "float", "1e-12", "keeps the division finite (> 0)"},
                            {"interval", "int", "1", "do the SAM step every this many batches"}});
}

}  // namespace

CAIRN_PLUGIN("sam", "1.0.0", "SAM: sharpness-aware minimisation", register_sam)
