// state['model']: the module's parameters and buffers by their dotted names,
// exactly what Python's `module.state_dict()` holds for the same layout.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <ATen/core/ivalue.h>
#include "cairn/torch_fwd.h"
#include "checkpoint/io/read_into.h"

namespace cairn {

class Logger;

c10::IValue model_state_dict(const torch::nn::Module& module);

// Copies tensors into the module. Shape mismatches are always errors (as in
// PyTorch); missing and unexpected keys are errors when `strict`, warnings
// otherwise. The error lists every problem at once.
void load_model_state_dict(torch::nn::Module& module, const c10::IValue& state, bool strict, Logger& logger);

// Where a checkpoint's model tensors can be read straight into (read_into.h):
// for "state/model/<name>", the module's own parameter or buffer <name>, which
// load_model_state_dict would copy them into anyway (and then skips).
checkpoint::ReadIntoChooser read_into_module(torch::nn::Module& module);

// A copy of `state` whose keys starting with a rule's first string start with
// its second instead (the first matching rule applies; other keys are kept):
// {"module.", ""} turns Composer's "module.0.weight" into "0.weight".
// CheckpointError when two keys would get the same name.
c10::IValue map_key_prefixes(const c10::IValue& state,
                             const std::vector<std::pair<std::string, std::string>>& rules);

}  // namespace cairn
