// Loading the torchscript model plugin's file and checking, before training,
// that its methods are ones Cairn can call: a wrong file or signature is one
// line naming the file and what to do, not a TorchScript error at the first
// batch.
#pragma once

#include <string>

#include <torch/csrc/jit/api/module.h>

namespace cairn_torchscript {

struct CheckedScript {
  torch::jit::Module module;
  // It defines loss(outputs, targets); otherwise the default loss applies.
  bool own_loss = false;
};

// ConfigError, naming `path`, for a missing or unreadable file, one that is
// not a TorchScript archive, no forward(inputs) -> Tensor, or a loss method
// that is not loss(outputs, targets) -> Tensor.
CheckedScript load_checked_script(const std::string& path);

}  // namespace cairn_torchscript
