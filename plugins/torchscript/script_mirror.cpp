#include "script_mirror.h"

#include <memory>
#include <utility>

#include <c10/core/GradMode.h>

namespace cairn_torchscript {

ScriptMirror::ScriptMirror(torch::jit::Module script) : torch::nn::Module("TorchScript"), script_(std::move(script)) {
  mirror(*this, script_);
  // A module saved in eval mode starts so; the trainer switches it as it needs.
  torch::nn::Module::train(script_.is_training());
}

void ScriptMirror::mirror(torch::nn::Module& node, const torch::jit::Module& script) {
  for (const auto& p : script.named_parameters(/*recurse=*/false)) {
    node.register_parameter(p.name, p.value, p.value.requires_grad());
  }
  for (const auto& b : script.named_buffers(/*recurse=*/false)) {
    node.register_buffer(b.name, b.value);
    buffer_slots_.push_back({script, b.name, b.value});
  }
  for (const auto& c : script.named_children()) {
    auto child = std::make_shared<torch::nn::Module>(c.value.type()->name()->qualifiedName());
    mirror(*child, c.value);
    node.register_module(c.name, child);
  }
}

void ScriptMirror::train(bool on) {
  torch::nn::Module::train(on);
  script_.train(on);
}

void ScriptMirror::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  convert(device, dtype, non_blocking);
}

void ScriptMirror::to(torch::Dtype dtype, bool non_blocking) { convert(c10::nullopt, dtype, non_blocking); }

void ScriptMirror::to(torch::Device device, bool non_blocking) { convert(device, c10::nullopt, non_blocking); }

void ScriptMirror::convert(c10::optional<torch::Device> device, c10::optional<torch::Dtype> dtype, bool non_blocking) {
  c10::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors = parameters(/*recurse=*/true);
  for (const auto& b : buffers(/*recurse=*/true)) tensors.push_back(b);
  for (auto& t : tensors) {
    const auto to_dtype = dtype && t.is_floating_point() ? *dtype : t.scalar_type();
    t.set_data(t.to(device.value_or(t.device()), to_dtype, non_blocking));
  }
}

void ScriptMirror::rebind_reassigned_buffers() {
  c10::NoGradGuard no_grad;
  for (auto& slot : buffer_slots_) {
    const c10::IValue now = slot.owner.attr(slot.name);
    if (!now.isTensor() || now.toTensor().is_same(slot.mirrored)) continue;
    slot.mirrored.set_data(now.toTensor().detach());
    slot.owner.setattr(slot.name, slot.mirrored);
  }
}

}  // namespace cairn_torchscript
