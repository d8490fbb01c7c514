// A TorchScript module's parameters and buffers as a torch::nn::Module tree,
// which is what cairn::Model::module() hands the trainer, the optimizers and
// the checkpoint.
//
// Each scripted submodule becomes a child module of the same name, so the
// dotted names of named_parameters() and named_buffers() are those of the
// Python module's state_dict ("body.0.norm.running_mean"); nn::Module names
// cannot hold dots, so the hierarchy is mirrored rather than flattened. The
// tree holds the scripted module's own tensors, not copies: an optimizer step
// or a loaded checkpoint changes what the scripted forward computes with.
#pragma once

#include <string>
#include <vector>

#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>

namespace cairn_torchscript {

class ScriptMirror : public torch::nn::Module {
 public:
  explicit ScriptMirror(torch::jit::Module script);

  // Train and eval mode reach the scripted code (dropout, batch norm).
  void train(bool on = true) override;
  // Converted in place, so the scripted module sees it; as Python's
  // Module.to(dtype), a dtype applies to floating-point tensors only (batch
  // norm's num_batches_tracked stays an integer).
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, bool non_blocking = false) override;

  // Scripted code may assign a buffer anew (`self.seen = self.seen + 1`)
  // instead of updating it in place; call this after it ran, so that the
  // mirror's tensor holds the new value and stays the one the script uses.
  void rebind_reassigned_buffers();

 private:
  struct BufferSlot {
    torch::jit::Module owner;
    std::string name;
    at::Tensor mirrored;
  };
  void mirror(torch::nn::Module& node, const torch::jit::Module& script);
  void convert(c10::optional<torch::Device> device, c10::optional<torch::Dtype> dtype, bool non_blocking);

  torch::jit::Module script_;
  std::vector<BufferSlot> buffer_slots_;
};

}  // namespace cairn_torchscript
