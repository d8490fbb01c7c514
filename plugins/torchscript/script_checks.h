// Loading the torchscript model plugin's file and checking, before training,
// that its methods are ones Cairn can call: a wrong file or signature is one
// line naming the file and what to do, not a TorchScript error at the first
// batch. And errors raised inside the script, as one line.
#pragma once

#include <functional>
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

// Runs a scripted method. TorchScript reports an error inside the script as a
// std::runtime_error whose first line only says that the interpreter failed,
// followed by tracebacks; it is rethrown as a c10::Error holding the error's
// own line ("RuntimeError: mat1 and mat2 shapes cannot be multiplied (32x8
// and 16x32)"), as torch's errors read, so that the trainer's check of the
// first batch names the shapes that do not fit.
c10::IValue run_script(const std::function<c10::IValue()>& call);

}  // namespace cairn_torchscript
