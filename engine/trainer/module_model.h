// Adapts any torch::nn module holder with `forward(Tensor)` to cairn::Model, so
// C++ users train their own networks:
//   auto net = MyNet();  // TORCH_MODULE holder
//   opts.model = std::make_shared<cairn::ModuleModel<MyNet>>(net);
#pragma once

#include <torch/nn/module.h>

#include "cairn/model.h"

namespace cairn {

template <typename ModuleHolder>
class ModuleModel : public Model {
 public:
  explicit ModuleModel(ModuleHolder module) : module_(std::move(module)) {}
  std::shared_ptr<torch::nn::Module> module() override { return module_.ptr(); }
  at::Tensor forward(const at::Tensor& inputs) override { return module_->forward(inputs); }
  ModuleHolder& holder() { return module_; }

 private:
  ModuleHolder module_;
};

}  // namespace cairn
