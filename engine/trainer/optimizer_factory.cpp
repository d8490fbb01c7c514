#include "trainer/optimizer_factory.h"

#include <algorithm>
#include <functional>

#include <torch/nn/module.h>
#include <torch/optim.h>

#include "cairn/config.h"
#include "cairn/model.h"
#include "trainer/hyperparameter.h"

namespace cairn {
namespace {

namespace optim = torch::optim;
using Params = std::vector<at::Tensor>;
using Make = std::function<std::shared_ptr<optim::Optimizer>(Config&, const Params&)>;

const Bounds kNonNegative = Bounds::at_least(0.0);

std::tuple<double, double> read_betas(Config& cfg) {
  const auto b = cfg.get<std::vector<double>>("betas", {0.9, 0.999});
  if (b.size() != 2) cfg.fail("betas", "must be a list of two numbers like [0.9, 0.999]");
  for (double beta : b) {
    if (!Bounds::unit_interval_open_top().holds(beta)) {
      cfg.fail("betas", "must hold two numbers in [0, 1) (got " + std::to_string(beta) + ")");
    }
  }
  return {b[0], b[1]};
}

template <typename Options>
Options adam_options(Config& cfg, double default_weight_decay) {
  Options o(read_number(cfg, "lr", 1e-3, kNonNegative));
  o.betas(read_betas(cfg));
  o.eps(read_number(cfg, "eps", 1e-8, kNonNegative));
  o.weight_decay(read_number(cfg, "weight_decay", default_weight_decay, kNonNegative));
  o.amsgrad(cfg.get<bool>("amsgrad", false));
  return o;
}

struct Entry {
  std::string name;
  Make make;
};

// torch.optim's defaults, field names and checks.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {"SGD",
       [](Config& cfg, const Params& p) {
         optim::SGDOptions o(read_number(cfg, "lr", 0.1, kNonNegative));
         o.momentum(read_number(cfg, "momentum", 0.0, kNonNegative));
         o.dampening(read_number(cfg, "dampening", 0.0, Bounds::any()));
         o.weight_decay(read_number(cfg, "weight_decay", 0.0, kNonNegative));
         o.nesterov(cfg.get<bool>("nesterov", false));
         if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0)) {
           cfg.fail("nesterov", "needs a positive momentum and zero dampening");
         }
         return std::make_shared<optim::SGD>(p, o);
       }},
      {"Adam",
       [](Config& cfg, const Params& p) {
         return std::make_shared<optim::Adam>(p, adam_options<optim::AdamOptions>(cfg, 0.0));
       }},
      {"AdamW",
       [](Config& cfg, const Params& p) {
         return std::make_shared<optim::AdamW>(p, adam_options<optim::AdamWOptions>(cfg, 1e-2));
       }},
      {"RMSprop",
       [](Config& cfg, const Params& p) {
         optim::RMSpropOptions o(read_number(cfg, "lr", 1e-2, kNonNegative));
         o.alpha(read_number(cfg, "alpha", 0.99, kNonNegative));
         o.eps(read_number(cfg, "eps", 1e-8, kNonNegative));
         o.weight_decay(read_number(cfg, "weight_decay", 0.0, kNonNegative));
         o.momentum(read_number(cfg, "momentum", 0.0, kNonNegative));
         o.centered(cfg.get<bool>("centered", false));
         return std::make_shared<optim::RMSprop>(p, o);
       }},
      {"Adagrad",
       [](Config& cfg, const Params& p) {
         optim::AdagradOptions o(read_number(cfg, "lr", 1e-2, kNonNegative));
         o.lr_decay(read_number(cfg, "lr_decay", 0.0, kNonNegative));
         o.weight_decay(read_number(cfg, "weight_decay", 0.0, kNonNegative));
         o.initial_accumulator_value(read_number(cfg, "initial_accumulator_value", 0.0, kNonNegative));
         o.eps(read_number(cfg, "eps", 1e-10, kNonNegative));
         return std::make_shared<optim::Adagrad>(p, o);
       }},
  };
  return all;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& e : entries()) out.push_back(e.name);
    return out;
  }();
  return names;
}

std::shared_ptr<optim::Optimizer> make_optimizer(const std::string& name, const nlohmann::json& json,
                                                 Model& parameters_of) {
  for (const auto& e : entries()) {
    if (lower(e.name) != lower(name)) continue;
    Config cfg("optimizer '" + name + "'", json);
    auto made = e.make(cfg, parameters_of.module()->parameters());
    cfg.finish();
    return made;
  }
  std::string known;
  for (const auto& n : optimizer_names()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown optimizer '" + name + "'; built-in optimizers: " + known);
}

}  // namespace cairn
