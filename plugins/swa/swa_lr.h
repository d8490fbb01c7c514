// PyTorch's torch.optim.swa_utils.SWALR: anneals each parameter group's
// learning rate from its current value to swa_lr over anneal_epochs steps,
// then holds it, with its state as a plain dict.
#pragma once

#include <ATen/core/ivalue.h>

#include <memory>
#include <string>
#include <vector>

#include "cairn/state_reader.h"
#include "cairn/torch_fwd.h"

namespace cairn::plugins {

class SwaLr {
 public:
  enum class Strategy { kLinear, kCos };

  // As SWALR's constructor, which takes its first step at once (lr unchanged).
  SwaLr(std::shared_ptr<torch::optim::Optimizer> optimizer, std::vector<double> swa_lrs, int64_t anneal_epochs,
        Strategy strategy);

  // A schedule saved by state_dict(), for `optimizer` (no step is taken).
  static std::unique_ptr<SwaLr> restore(std::shared_ptr<torch::optim::Optimizer> optimizer,
                                        const c10::impl::GenericDict& saved, const std::string& owner);

  void step();

  // {swa_lrs, anneal_epochs, anneal_strategy, last_epoch, _step_count, _last_lr}
  c10::IValue state_dict() const;

  static const char* to_string(Strategy s) { return s == Strategy::kCos ? "cos" : "linear"; }

 private:
  SwaLr(std::shared_ptr<torch::optim::Optimizer> optimizer, int64_t anneal_epochs, Strategy strategy)
      : optimizer_(std::move(optimizer)), anneal_epochs_(anneal_epochs), strategy_(strategy) {}
  std::vector<double> lrs() const;
  void set_lrs(const std::vector<double>& lrs);

  std::shared_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<double> swa_lrs_;
  int64_t anneal_epochs_;
  Strategy strategy_;
  int64_t step_count_ = 0;
  int64_t last_epoch_ = -1;
  std::vector<double> last_lrs_;  // the LRs this schedule set last
};

}  // namespace cairn::plugins
