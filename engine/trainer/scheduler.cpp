#include "trainer/scheduler.h"

#include <cmath>
#include <functional>

#include <torch/nn/module.h>
#include <torch/optim.h>

#include "cairn/config.h"
#include "cairn/model.h"
#include "core/ivalue_convert.h"

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

}  // namespace

std::shared_ptr<Scheduler> make_scheduler(const std::string& name, const nlohmann::json& json,
                                          std::shared_ptr<torch::optim::Optimizer> optimizer) {
  const std::string key = lower(name);
  Config cfg("scheduler '" + name + "'", json);
  auto hp = make_dict();
  std::shared_ptr<Scheduler> made;
  if (key == "steplr") {
    const int64_t step_size = cfg.require<int64_t>("step_size");
    const double gamma = cfg.get<double>("gamma", 0.1);
    if (step_size <= 0) cfg.fail("step_size", "must be a positive number of batches");
    hp.insert("step_size", step_size);
    hp.insert("gamma", gamma);
    made = std::make_shared<ClosedFormScheduler>(
        "StepLR", optimizer, [=](double base, int64_t s) { return base * std::pow(gamma, double(s / step_size)); }, hp);
  } else if (key == "exponentiallr") {
    const double gamma = cfg.require<double>("gamma");
    hp.insert("gamma", gamma);
    made = std::make_shared<ClosedFormScheduler>(
        "ExponentialLR", optimizer, [=](double base, int64_t s) { return base * std::pow(gamma, double(s)); }, hp);
  } else if (key == "cosineannealinglr") {
    const int64_t t_max = cfg.require<int64_t>("t_max");
    const double eta_min = cfg.get<double>("eta_min", 0.0);
    if (t_max <= 0) cfg.fail("t_max", "must be a positive number of batches");
    hp.insert("T_max", t_max);
    hp.insert("eta_min", eta_min);
    made = std::make_shared<ClosedFormScheduler>(
        "CosineAnnealingLR", optimizer,
        [=](double base, int64_t s) {
          return eta_min + (base - eta_min) * (1 + std::cos(M_PI * double(s) / double(t_max))) / 2;
        },
        hp);
  } else if (key == "linearlr" || key == "linearwarmup") {
    const double start = cfg.get<double>("start_factor", 1.0 / 3.0);
    const double end = cfg.get<double>("end_factor", 1.0);
    const int64_t total = cfg.get<int64_t>("total_iters", 5);
    if (total <= 0) cfg.fail("total_iters", "must be a positive number of batches");
    hp.insert("start_factor", start);
    hp.insert("end_factor", end);
    hp.insert("total_iters", total);
    made = std::make_shared<ClosedFormScheduler>(
        "LinearLR", optimizer,
        [=](double base, int64_t s) { return base * (start + (end - start) * double(std::min(s, total)) / double(total)); },
        hp);
  } else {
    throw ConfigError("unknown scheduler '" + name + "'; built-in schedulers: steplr, exponentiallr, cosineannealinglr, linearlr");
  }
  cfg.finish();
  return made;
}

std::shared_ptr<torch::optim::Optimizer> make_optimizer(const std::string& name, const nlohmann::json& json,
                                                        Model& parameters_of) {
  const std::string key = lower(name);
  Config cfg("optimizer '" + name + "'", json);
  auto params = parameters_of.module()->parameters();
  std::shared_ptr<torch::optim::Optimizer> made;
  if (key == "sgd") {
    auto o = torch::optim::SGDOptions(cfg.get<double>("lr", 0.1));
    o.momentum(cfg.get<double>("momentum", 0.0));
    o.dampening(cfg.get<double>("dampening", 0.0));
    o.weight_decay(cfg.get<double>("weight_decay", 0.0));
    o.nesterov(cfg.get<bool>("nesterov", false));
    made = std::make_shared<torch::optim::SGD>(params, o);
  } else if (key == "adam" || key == "adamw") {
    const double lr = cfg.get<double>("lr", 1e-3);
    const auto b = cfg.get<std::vector<double>>("betas", {0.9, 0.999});
    if (b.size() != 2) cfg.fail("betas", "must be a list of two numbers like [0.9, 0.999]");
    const double eps = cfg.get<double>("eps", 1e-8);
    const bool amsgrad = cfg.get<bool>("amsgrad", false);
    if (key == "adam") {
      auto o = torch::optim::AdamOptions(lr).betas({b[0], b[1]}).eps(eps).amsgrad(amsgrad);
      o.weight_decay(cfg.get<double>("weight_decay", 0.0));
      made = std::make_shared<torch::optim::Adam>(params, o);
    } else {
      auto o = torch::optim::AdamWOptions(lr).betas({b[0], b[1]}).eps(eps).amsgrad(amsgrad);
      o.weight_decay(cfg.get<double>("weight_decay", 1e-2));
      made = std::make_shared<torch::optim::AdamW>(params, o);
    }
  } else {
    throw ConfigError("unknown optimizer '" + name + "'; built-in optimizers: sgd, adam, adamw");
  }
  cfg.finish();
  return made;
}

}  // namespace cairn
