// Optimizer state in PyTorch's own state_dict layout:
//   {"state": {0: {"momentum_buffer": T}, 1: ...}, "param_groups": [{"lr": .., "params": [0, 1, ..]}]}
// so `torch.optim.SGD(model.parameters()).load_state_dict(ckpt['state']['optimizers']['SGD'])`
// works in Python, and a resumed C++ run continues bit-exactly.
//
// Supported: SGD, Adam, AdamW, RMSprop, Adagrad (LibTorch's built-ins).
#pragma once

#include <string>

#include <ATen/core/ivalue.h>
#include "cairn/torch_fwd.h"

namespace cairn {

// Python class name of the optimizer ("SGD", "Adam"); ConfigError if unsupported.
std::string optimizer_qualname(const torch::optim::Optimizer& optimizer);

c10::IValue optimizer_state_dict(const torch::optim::Optimizer& optimizer);

// Restores per-parameter state and each group's hyperparameters. CheckpointError
// naming `where` when the layout does not fit (different number of groups or
// parameters, tensor shape mismatch).
void load_optimizer_state_dict(torch::optim::Optimizer& optimizer, const c10::IValue& state, const std::string& where);

}  // namespace cairn
