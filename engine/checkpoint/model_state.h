// state['model']: the module's parameters and buffers by their dotted names,
// exactly what Python's `module.state_dict()` holds for the same layout.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/ivalue.h>
#include "cairn/torch_fwd.h"

namespace cairn {

class Logger;

c10::IValue model_state_dict(const torch::nn::Module& module);

// Copies tensors into the module. Shape mismatches are always errors (as in
// PyTorch); missing and unexpected keys are errors when `strict`, warnings
// otherwise. The error lists every problem at once.
void load_model_state_dict(torch::nn::Module& module, const c10::IValue& state, bool strict, Logger& logger);

}  // namespace cairn
