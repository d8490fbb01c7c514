// Moving a checkpoint tree's tensors to the CPU before it is pickled.
#pragma once

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint {

// `root` with every non-CPU tensor replaced by a CPU copy. Tensors that share a
// storage on their device share one CPU storage afterwards, with the same
// offsets and strides, so views stay views in the file. Returns `root` itself
// when it holds no tensor off the CPU (the common case costs no copy).
c10::IValue with_cpu_tensors(const c10::IValue& root);

}  // namespace cairn::checkpoint
