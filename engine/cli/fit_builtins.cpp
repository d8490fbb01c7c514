#include "cli/fit_builtins.h"

namespace cairn::cli {
namespace {

ConfigSchema adam_fields(const char* weight_decay) {
  return {{"lr", "float", "0.001", "learning rate"},
          {"betas", "list[float]", "[0.9, 0.999]", "the moments' decay rates"},
          {"eps", "float", "1e-08", "added to the denominator"},
          {"weight_decay", "float", weight_decay, "weight decay"},
          {"amsgrad", "bool", "false", "use the AMSGrad variant"}};
}

}  // namespace

const std::vector<FitBuiltin>& fit_builtins() {
  static const std::vector<FitBuiltin> builtins = {
      {"optimizer", "SGD", "stochastic gradient descent (torch.optim.SGD)",
       {{"lr", "float", "0.1", "learning rate"},
        {"momentum", "float", "0.0", "momentum factor"},
        {"dampening", "float", "0.0", "dampening for momentum"},
        {"weight_decay", "float", "0.0", "weight decay (L2 penalty)"},
        {"nesterov", "bool", "false", "use Nesterov momentum"}}},
      {"optimizer", "Adam", "Adam (torch.optim.Adam)", adam_fields("0.0")},
      {"optimizer", "AdamW", "Adam with decoupled weight decay (torch.optim.AdamW)", adam_fields("0.01")},
      {"optimizer", "RMSprop", "divides by a running average of squared gradients (torch.optim.RMSprop)",
       {{"lr", "float", "0.01", "learning rate"},
        {"alpha", "float", "0.99", "smoothing constant"},
        {"eps", "float", "1e-08", "added to the denominator"},
        {"weight_decay", "float", "0.0", "weight decay (L2 penalty)"},
        {"momentum", "float", "0.0", "momentum factor"},
        {"centered", "bool", "false", "normalise by the estimated variance of the gradient"}}},
      {"optimizer", "Adagrad", "per-parameter learning rates from summed squared gradients (torch.optim.Adagrad)",
       {{"lr", "float", "0.01", "learning rate"},
        {"lr_decay", "float", "0.0", "learning rate decay"},
        {"weight_decay", "float", "0.0", "weight decay (L2 penalty)"},
        {"initial_accumulator_value", "float", "0.0", "starting value of the sums"},
        {"eps", "float", "1e-10", "added to the denominator"}}},
      {"scheduler", "StepLR", "multiplies the learning rate by gamma every step_size batches (StepLR)",
       {{"step_size", "int", "", "batches between decays", "10"}, {"gamma", "float", "0.1", "decay factor"}}},
      {"scheduler", "ExponentialLR", "multiplies the learning rate by gamma every batch (ExponentialLR)",
       {{"gamma", "float", "", "decay factor per batch", "0.99"}}},
      {"scheduler", "CosineAnnealingLR", "cosine from the base learning rate to eta_min over t_max batches",
       {{"t_max", "int", "", "batches of one half cosine", "100"},
        {"eta_min", "float", "0.0", "the smallest learning rate"}}},
      {"scheduler", "LinearLR", "scales the learning rate linearly from start_factor to end_factor (LinearLR)",
       {{"start_factor", "float", "0.3333333333333333", "factor at the first batch"},
        {"end_factor", "float", "1.0", "factor after total_iters batches"},
        {"total_iters", "int", "5", "batches the change takes"}}},
  };
  return builtins;
}

}  // namespace cairn::cli
