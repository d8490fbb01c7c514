#include "swa_lr.h"

#include <torch/optim/optimizer.h>

#include <algorithm>
#include <cmath>

#include "cairn/state_dict.h"

namespace cairn::plugins {
namespace {

double anneal(SwaLr::Strategy s, double t) { return s == SwaLr::Strategy::kCos ? (1 - std::cos(M_PI * t)) / 2 : t; }

// SWALR._get_initial_lr: the lr the schedule started from, given the current
// lr and how far the annealing had got.
double initial_lr(double lr, double swa_lr, double alpha) {
  if (alpha == 1) return swa_lr;
  return (lr - alpha * swa_lr) / (1 - alpha);
}

}  // namespace

SwaLr::SwaLr(std::shared_ptr<torch::optim::Optimizer> optimizer, std::vector<double> swa_lrs, int64_t anneal_epochs,
             Strategy strategy)
    : optimizer_(std::move(optimizer)),
      swa_lrs_(std::move(swa_lrs)),
      anneal_epochs_(anneal_epochs),
      strategy_(strategy) {
  step();
}

std::vector<double> SwaLr::lrs() const {
  std::vector<double> out;
  for (const auto& group : optimizer_->param_groups()) out.push_back(group.options().get_lr());
  return out;
}

void SwaLr::set_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
}

void SwaLr::step() {
  ++step_count_;
  ++last_epoch_;
  // SWALR.get_lr, step for step.
  int64_t step = step_count_ - 1;
  if (anneal_epochs_ == 0) step = std::max<int64_t>(1, step);
  const double denominator = double(std::max<int64_t>(1, anneal_epochs_));
  const double prev_t = std::max(0.0, std::min(1.0, double(step - 1) / denominator));
  const double prev_alpha = anneal(strategy_, prev_t);
  const double t = std::max(0.0, std::min(1.0, double(step) / denominator));
  const double alpha = anneal(strategy_, t);
  std::vector<double> next = lrs();
  for (size_t i = 0; i < next.size(); ++i) {
    const double start = initial_lr(next[i], swa_lrs_[i], prev_alpha);
    next[i] = swa_lrs_[i] * alpha + start * (1 - alpha);
  }
  set_lrs(next);
  last_lrs_ = next;
}

c10::IValue SwaLr::state_dict() const {
  auto d = make_dict();
  d.insert("swa_lrs", c10::List<double>(swa_lrs_));
  d.insert("anneal_epochs", anneal_epochs_);
  d.insert("anneal_strategy", std::string(to_string(strategy_)));
  d.insert("last_epoch", last_epoch_);
  d.insert("_step_count", step_count_);
  d.insert("_last_lr", c10::List<double>(last_lrs_));
  return d;
}

std::unique_ptr<SwaLr> SwaLr::restore(std::shared_ptr<torch::optim::Optimizer> optimizer,
                                      const c10::impl::GenericDict& saved, const std::string& owner) {
  const StateReader reader(owner, saved);
  int64_t anneal_epochs = 0;
  std::string strategy;
  reader.read("anneal_epochs", anneal_epochs);
  reader.read("anneal_strategy", strategy);
  if (strategy != "cos" && strategy != "linear") reader.fail("anneal_strategy", "should be \"cos\" or \"linear\"");
  std::unique_ptr<SwaLr> s(
      new SwaLr(std::move(optimizer), anneal_epochs, strategy == "cos" ? Strategy::kCos : Strategy::kLinear));
  // One float per parameter group.
  auto per_group = [&](const std::string& key) {
    const auto list = reader.list(key);
    if (!list) reader.fail(key, "is missing");
    std::vector<double> values;
    for (const auto& element : *list) {
      const c10::IValue v = element;
      if (!v.isDouble()) reader.fail(key, "should hold floats");
      values.push_back(v.toDouble());
    }
    if (values.size() != s->optimizer_->param_groups().size()) {
      reader.fail(key, "has " + std::to_string(values.size()) + " entries but the optimizer has " +
                           std::to_string(s->optimizer_->param_groups().size()) + " parameter groups");
    }
    return values;
  };
  s->swa_lrs_ = per_group("swa_lrs");
  s->last_lrs_ = per_group("_last_lr");
  reader.read("last_epoch", s->last_epoch_);
  reader.read("_step_count", s->step_count_);
  return s;
}

}  // namespace cairn::plugins
