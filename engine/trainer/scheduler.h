// Learning-rate schedulers, stepped once per batch, with Python-compatible
// state (state/schedulers/<Name>).
#pragma once

#include <memory>
#include <string>
#include <vector>

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

// The built-in schedulers, by PyTorch's class names (case-insensitive), each
// stepped once per batch: StepLR {step_size, gamma}, ExponentialLR {gamma},
// CosineAnnealingLR {t_max, eta_min}, LinearLR {start_factor, end_factor,
// total_iters}. The one spelling used in help and errors.
const std::vector<std::string>& scheduler_names();

std::shared_ptr<Scheduler> make_scheduler(const std::string& name, const nlohmann::json& config,
                                          std::shared_ptr<torch::optim::Optimizer> optimizer);

}  // namespace cairn
