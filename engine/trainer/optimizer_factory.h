// The built-in optimizers, by PyTorch's class names (case-insensitive):
// SGD, Adam, AdamW, RMSprop, Adagrad, with torch.optim's config names and
// defaults. Hyperparameters outside the ranges torch.optim accepts are a
// ConfigError naming the field.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cairn/torch_fwd.h"

namespace cairn {

class Model;

// "SGD", "Adam", "AdamW", "RMSprop", "Adagrad": the one spelling used in help
// and errors.
const std::vector<std::string>& optimizer_names();

// Over all of `parameters_of`'s parameters.
std::shared_ptr<torch::optim::Optimizer> make_optimizer(const std::string& name, const nlohmann::json& config,
                                                        Model& parameters_of);

}  // namespace cairn
