// A copy of a model's parameters and buffers, named as in state['model'], for
// algorithms that keep a second set of weights (EMA, SWA) and checkpoint it.
#pragma once

#include <ATen/core/ivalue.h>
#include <c10/core/GradMode.h>
#include <torch/nn/module.h>

#include <string>
#include <utility>
#include <vector>

#include "cairn/state_dict.h"
#include "cairn/state_reader.h"

namespace cairn::plugins {

// The live tensors of `module`: parameters, then buffers (Composer's order).
inline std::vector<std::pair<std::string, at::Tensor>> live_tensors(const torch::nn::Module& module,
                                                                    bool with_buffers = true) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out.emplace_back(p.key(), p.value());
  if (with_buffers) {
    for (const auto& b : module.named_buffers(/*recurse=*/true)) out.emplace_back(b.key(), b.value());
  }
  return out;
}

class TensorCopy {
 public:
  TensorCopy() = default;
  // Detached clones of `live`.
  explicit TensorCopy(const std::vector<std::pair<std::string, at::Tensor>>& live) {
    for (const auto& [name, tensor] : live) {
      names_.push_back(name);
      tensors_.push_back(tensor.detach().clone());
    }
  }

  bool empty() const { return tensors_.empty(); }
  size_t size() const { return tensors_.size(); }
  const std::string& name(size_t i) const { return names_[i]; }
  at::Tensor& operator[](size_t i) { return tensors_[i]; }
  const at::Tensor& operator[](size_t i) const { return tensors_[i]; }

  // Overwrites this copy with `live`'s values (same layout, no allocation).
  void copy_from(const std::vector<std::pair<std::string, at::Tensor>>& live) {
    c10::NoGradGuard no_grad;
    for (size_t i = 0; i < tensors_.size(); ++i) tensors_[i].copy_(live[i].second);
  }
  // Writes this copy's values into `live` (the model's own tensors).
  void copy_to(const std::vector<std::pair<std::string, at::Tensor>>& live) const {
    c10::NoGradGuard no_grad;
    for (size_t i = 0; i < tensors_.size(); ++i) live[i].second.copy_(tensors_[i]);
  }

  // {name: tensor}, the layout of state['model'].
  c10::impl::GenericDict to_dict() const {
    auto d = make_dict();
    for (size_t i = 0; i < tensors_.size(); ++i) d.insert(names_[i], tensors_[i]);
    return d;
  }

  // Loads a dict written by to_dict() for the same model: every name must be
  // there with the same shape, and nothing else.
  void load_dict(const c10::impl::GenericDict& saved, const StateReader& reader, const std::string& key) {
    if (saved.size() != tensors_.size()) {
      reader.fail(key, "holds " + std::to_string(saved.size()) + " tensors but the model has " +
                           std::to_string(tensors_.size()));
    }
    c10::NoGradGuard no_grad;
    for (size_t i = 0; i < tensors_.size(); ++i) {
      if (!saved.contains(names_[i])) reader.fail(key, "has no tensor '" + names_[i] + "'");
      const c10::IValue value = saved.at(names_[i]);
      if (!value.isTensor()) reader.fail(key + "/" + names_[i], "is not a tensor");
      const at::Tensor source = value.toTensor();
      if (source.sizes() != tensors_[i].sizes()) {
        reader.fail(key + "/" + names_[i],
                    "has shape " + c10::str(source.sizes()) + " but the model's is " + c10::str(tensors_[i].sizes()));
      }
      tensors_[i].copy_(source);
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<at::Tensor> tensors_;
};

}  // namespace cairn::plugins
