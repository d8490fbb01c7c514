// A trainable model, Composer-style: a torch module plus how it computes its
// loss. Plugins provide these by name (`--model mlp`); C++ users can wrap their
// own `torch::nn::Module` with cairn::ModuleModel (engine/trainer/module_model.h).
#pragma once

#include <memory>

#include <ATen/core/Tensor.h>

#include "cairn/export.h"
#include "cairn/torch_fwd.h"

namespace cairn {

class CAIRN_EXPORT Model {
 public:
  virtual ~Model();
  // The module whose named parameters and buffers form state['model'], with
  // the same names a Python nn.Module with the same layout would use.
  virtual std::shared_ptr<torch::nn::Module> module() = 0;
  virtual at::Tensor forward(const at::Tensor& inputs) = 0;
  // Default: cross-entropy between logits and integer class targets.
  virtual at::Tensor loss(const at::Tensor& outputs, const at::Tensor& targets);
};

}  // namespace cairn
