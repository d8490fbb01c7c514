// Running one batch through the model and its loss with torch's shape errors
// turned into one line that names both sides (first_batch_check.cpp).
#pragma once

#include <string>

#include <ATen/core/Tensor.h>

#include "cairn/dataset.h"
#include "cairn/state.h"

namespace cairn {

// The model's outputs for `batch`, after checking that its loss accepts them
// and the targets; run in whatever mode the caller set. `data` says which data
// this is, as the user gave it ("the data (--data)", "the evaluation data
// (--eval-data)"). ConfigError naming both shapes when they do not fit.
at::Tensor outputs_that_fit(State& state, const Batch& batch, const std::string& data);

}  // namespace cairn
