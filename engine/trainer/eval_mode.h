// The model in eval mode without gradients for a scope, and back in the mode
// it was in afterwards, errors included: Composer's model_eval_mode together
// with torch.no_grad(). Dropout then draws no random numbers and batch norm
// keeps its running statistics.
#pragma once

#include <c10/core/GradMode.h>
#include <torch/nn/module.h>

namespace cairn {

class EvalModeScope {
 public:
  explicit EvalModeScope(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalModeScope() { module_.train(was_training_); }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
  c10::NoGradGuard no_grad_;
};

}  // namespace cairn
