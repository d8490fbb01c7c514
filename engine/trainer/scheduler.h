// Learning-rate schedulers, stepped once per batch, with Python-compatible
// state (state/schedulers/<Name>).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cairn/state_dict.h"
#include "cairn/torch_fwd.h"

namespace cairn {

class Scheduler : public StateDictHook {
 public:
  // Qualified name used as its key in state['schedulers'] ("StepLR").
  virtual std::string name() const = 0;
  // Called after each optimizer step.
  virtual void step() = 0;
};

// Built-in schedulers by name: "steplr" {step_size, gamma}, "exponentiallr"
// {gamma}, "cosineannealinglr" {t_max, eta_min}, "linearwarmup" {warmup_steps}.
std::shared_ptr<Scheduler> make_scheduler(const std::string& name, const nlohmann::json& config,
                                          std::shared_ptr<torch::optim::Optimizer> optimizer);

// Built-in optimizers by name: "sgd" {lr, momentum, weight_decay, nesterov},
// "adam" / "adamw" {lr, betas, eps, weight_decay, amsgrad}, over all of
// `parameters_of`'s parameters.
class Model;
std::shared_ptr<torch::optim::Optimizer> make_optimizer(const std::string& name, const nlohmann::json& config,
                                                        Model& parameters_of);

}  // namespace cairn
