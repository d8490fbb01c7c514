#include "trainer/scheduler.h"

#include <cmath>
#include <functional>

#include <torch/nn/module.h>
#include <torch/optim.h>

#include "cairn/config.h"
#include "cairn/model.h"
#include "core/ivalue_convert.h"
#include "trainer/hyperparameter.h"

namespace cairn {
namespace {

// A scheduler whose learning rate is a closed-form function of the step count,
// like PyTorch's chainable schedulers in their closed form; state layout
// follows PyTorch's (base_lrs, last_epoch, _step_count, _last_lr).
class ClosedFormScheduler : public Scheduler {
 public:
  using LrAt = std::function<double(double base_lr, int64_t step)>;

  ClosedFormScheduler(std::string name, std::shared_ptr<torch::optim::Optimizer> optimizer, LrAt lr_at,
                      c10::impl::GenericDict hyperparameters)
      : name_(std::move(name)), optimizer_(std::move(optimizer)), lr_at_(std::move(lr_at)),
        hyperparameters_(std::move(hyperparameters)) {
    for (const auto& g : optimizer_->param_groups()) base_lrs_.push_back(g.options().get_lr());
    apply();
  }

  std::string name() const override { return name_; }

  void step() override {
    ++last_epoch_;
    apply();
  }

  c10::IValue state_dict() const override {
    auto d = make_dict();
    for (const auto& item : hyperparameters_) d.insert(item.key(), item.value());
    d.insert("base_lrs", c10::List<double>(base_lrs_));
    d.insert("last_epoch", last_epoch_);
    d.insert("_step_count", last_epoch_ + 1);
    d.insert("verbose", false);
    d.insert("_get_lr_called_within_step", false);
    std::vector<double> last;
    for (const auto& g : optimizer_->param_groups()) last.push_back(g.options().get_lr());
    d.insert("_last_lr", c10::List<double>(last));
    return d;
  }

  void load_state_dict(const c10::IValue& state) override {
    const std::string where = "state/schedulers/" + name_;
    last_epoch_ = require_key(state, "last_epoch", where).toInt();
    const auto bases = require_key(state, "base_lrs", where).toListRef();
    if (bases.size() != base_lrs_.size()) {
      throw CheckpointError(where + " has " + std::to_string(bases.size()) + " base learning rates but the optimizer has " +
                            std::to_string(base_lrs_.size()) + " parameter groups");
    }
    for (size_t i = 0; i < bases.size(); ++i) base_lrs_[i] = bases[i].toDouble();
    apply();
  }

 private:
  void apply() {
    auto& groups = optimizer_->param_groups();
    for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lr_at_(base_lrs_[i], last_epoch_));
  }

  std::string name_;
  std::shared_ptr<torch::optim::Optimizer> optimizer_;
  LrAt lr_at_;
  c10::impl::GenericDict hyperparameters_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = 0;
};

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

using Optimizer = std::shared_ptr<torch::optim::Optimizer>;
struct Entry {
  std::string name;
  std::function<std::shared_ptr<Scheduler>(Config&, const Optimizer&)> make;
};

// torch.optim.lr_scheduler's classes, stepped per batch, with its checks.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {"StepLR",
       [](Config& cfg, const Optimizer& optimizer) {
         const int64_t step_size = require_count(cfg, "step_size", 1);
         const double gamma = read_number(cfg, "gamma", 0.1, Bounds::any());
         auto hp = make_dict();
         hp.insert("step_size", step_size);
         hp.insert("gamma", gamma);
         return std::make_shared<ClosedFormScheduler>(
             "StepLR", optimizer,
             [=](double base, int64_t s) { return base * std::pow(gamma, double(s / step_size)); }, hp);
       }},
      {"ExponentialLR",
       [](Config& cfg, const Optimizer& optimizer) {
         const double gamma = require_number(cfg, "gamma", Bounds::any());
         auto hp = make_dict();
         hp.insert("gamma", gamma);
         return std::make_shared<ClosedFormScheduler>(
             "ExponentialLR", optimizer, [=](double base, int64_t s) { return base * std::pow(gamma, double(s)); },
             hp);
       }},
      {"CosineAnnealingLR",
       [](Config& cfg, const Optimizer& optimizer) {
         const int64_t t_max = require_count(cfg, "t_max", 1);
         const double eta_min = read_number(cfg, "eta_min", 0.0, Bounds::any());
         auto hp = make_dict();
         hp.insert("T_max", t_max);
         hp.insert("eta_min", eta_min);
         return std::make_shared<ClosedFormScheduler>(
             "CosineAnnealingLR", optimizer,
             [=](double base, int64_t s) {
               return eta_min + (base - eta_min) * (1 + std::cos(M_PI * double(s) / double(t_max))) / 2;
             },
             hp);
       }},
      {"LinearLR",
       [](Config& cfg, const Optimizer& optimizer) {
         const double start = read_number(cfg, "start_factor", 1.0 / 3.0, Bounds{0.0, true, 1.0, false});
         const double end = read_number(cfg, "end_factor", 1.0, Bounds::unit_interval());
         const int64_t total = read_count(cfg, "total_iters", 5, 1);
         auto hp = make_dict();
         hp.insert("start_factor", start);
         hp.insert("end_factor", end);
         hp.insert("total_iters", total);
         return std::make_shared<ClosedFormScheduler>(
             "LinearLR", optimizer,
             [=](double base, int64_t s) {
               return base * (start + (end - start) * double(std::min(s, total)) / double(total));
             },
             hp);
       }},
  };
  return all;
}

}  // namespace

const std::vector<std::string>& scheduler_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& e : entries()) out.push_back(e.name);
    return out;
  }();
  return names;
}

std::shared_ptr<Scheduler> make_scheduler(const std::string& name, const nlohmann::json& json,
                                          std::shared_ptr<torch::optim::Optimizer> optimizer) {
  for (const auto& e : entries()) {
    if (lower(e.name) != lower(name)) continue;
    Config cfg("scheduler '" + name + "'", json);
    auto made = e.make(cfg, optimizer);
    cfg.finish();
    return made;
  }
  std::string known;
  for (const auto& n : scheduler_names()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown scheduler '" + name + "'; built-in schedulers: " + known);
}

}  // namespace cairn
