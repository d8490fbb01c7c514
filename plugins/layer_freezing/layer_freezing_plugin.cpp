// Algorithm plugin "LayerFreezing", as Composer's
// composer.algorithms.LayerFreezing.
//
// Config (Composer's names and defaults):
//   freeze_start  fraction of training in [0, 1) after which freezing begins, default 0.5
//   freeze_level  fraction of the layers frozen by the end of training, in [0, 1], default 1.0
//
// At every EPOCH_END, with d the elapsed fraction of max_duration, the share
// of layers to freeze is freeze_level * (d - freeze_start) / (1 - freeze_start)
// (0 before freeze_start), and the first int(share * (layers - 1)) layers are
// frozen; "layers" are the model's leaf modules, depth first, and the last one
// is never frozen (Composer's _get_layers / freeze_layers). Layers only ever
// freeze, never thaw.
//
// Freezing a parameter sets requires_grad to false and drops its gradient.
// LibTorch optimizers skip parameters without a gradient, so a frozen
// parameter never changes again: no momentum, no weight decay. (Composer
// removes it from the optimizer's param groups instead; keeping the groups
// intact keeps the optimizer's checkpoint layout the same as a fresh run's,
// which resuming needs.)
//
// State: frozen_parameters (list of state['model'] names), layers_frozen,
// percentage_frozen. Loading it freezes the same parameters again, so a
// resumed run matches the uninterrupted one.
#include <torch/nn/module.h>

#include <algorithm>
#include <set>

#include "cairn/algorithm.h"
#include "cairn/config.h"
#include "cairn/logger.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn/state_reader.h"

namespace {

using cairn::StateReader;

struct FreezingOptions {
  double freeze_start = 0.5;
  double freeze_level = 1.0;
};

FreezingOptions read_options(const nlohmann::json& json) {
  cairn::Config cfg("algorithm 'LayerFreezing'", json);
  FreezingOptions o;
  o.freeze_start = cfg.get<double>("freeze_start", o.freeze_start);
  o.freeze_level = cfg.get<double>("freeze_level", o.freeze_level);
  cfg.finish();
  if (!(o.freeze_start >= 0 && o.freeze_start < 1)) {
    cfg.fail("freeze_start", "must be a fraction of training in [0, 1) (got " + std::to_string(o.freeze_start) + ")");
  }
  if (!(o.freeze_level >= 0 && o.freeze_level <= 1)) {
    cfg.fail("freeze_level", "must be a fraction of the layers in [0, 1] (got " + std::to_string(o.freeze_level) + ")");
  }
  return o;
}

// Composer's _freeze_schedule.
double freeze_share(double elapsed, const FreezingOptions& o) {
  if (elapsed <= o.freeze_start) return 0.0;
  return o.freeze_level * (elapsed - o.freeze_start) / (1.0 - o.freeze_start);
}

// The leaf modules, depth first, each with the parameter names (as in
// state['model']) it holds directly.
using Layer = std::vector<std::pair<std::string, at::Tensor>>;
void collect_layers(const torch::nn::Module& module, const std::string& prefix, std::vector<Layer>& out) {
  const auto children = module.named_children();
  if (children.is_empty()) {
    Layer layer;
    for (const auto& p : module.named_parameters(/*recurse=*/false)) layer.emplace_back(prefix + p.key(), p.value());
    out.push_back(std::move(layer));
    return;
  }
  for (const auto& child : children) collect_layers(*child.value(), prefix + child.key() + ".", out);
}

void freeze(at::Tensor& parameter) {
  parameter.requires_grad_(false);
  parameter.mutable_grad() = at::Tensor();  // an undefined gradient: optimizers skip it
}

class LayerFreezing : public cairn::Algorithm {
 public:
  explicit LayerFreezing(FreezingOptions o) : options_(o) {}

  // INIT hands over the model, which loading a checkpoint needs.
  bool match(cairn::Event event, const cairn::State&) override {
    return event == cairn::Event::INIT || event == cairn::Event::EPOCH_END;
  }

  void apply(cairn::Event event, cairn::State& state) override {
    if (event == cairn::Event::INIT) {
      model_ = state.model->module();
      return;
    }
    std::vector<Layer> layers;
    collect_layers(*state.model->module(), "", layers);
    percentage_frozen_ = freeze_share(state.elapsed_duration(), options_);
    const int64_t depth = int64_t(percentage_frozen_ * double(layers.size() - 1));
    for (int64_t i = 0; i < depth; ++i) {
      for (auto& [name, parameter] : layers[size_t(i)]) {
        freeze(parameter);
        frozen_.insert(name);
      }
    }
    layers_frozen_ = std::max(layers_frozen_, depth);
    if (state.logger) {
      state.logger->log_metrics(
          {{"layer_freezing/layers_frozen", double(depth)}, {"layer_freezing/percentage_frozen", percentage_frozen_}},
          state.timestamp);
    }
  }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    c10::List<std::string> names;
    for (const auto& n : frozen_) names.push_back(n);
    d.insert("frozen_parameters", names);
    d.insert("layers_frozen", layers_frozen_);
    d.insert("percentage_frozen", percentage_frozen_);
    return d;
  }

  void load_state_dict(const c10::IValue& saved) override {
    const StateReader reader("algorithm LayerFreezing", saved);
    reader.read("layers_frozen", layers_frozen_);
    reader.read("percentage_frozen", percentage_frozen_);
    if (auto names = reader.list("frozen_parameters")) {
      std::set<std::string> wanted;
      for (const auto& element : *names) {
        const c10::IValue n = element;
        if (!n.isString()) reader.fail("frozen_parameters", "should hold parameter names (str)");
        wanted.insert(n.toStringRef());
      }
      if (!model_) reader.fail("frozen_parameters", "cannot be applied before the trainer's INIT");
      std::set<std::string> found;
      for (auto& p : model_->named_parameters(/*recurse=*/true)) {
        if (wanted.count(p.key()) == 0) continue;
        freeze(p.value());
        found.insert(p.key());
      }
      for (const auto& n : wanted) {
        if (found.count(n) == 0) reader.fail("frozen_parameters", "names '" + n + "', which this model does not have");
      }
      frozen_ = wanted;
    }
  }

 private:
  FreezingOptions options_;
  std::set<std::string> frozen_;
  int64_t layers_frozen_ = 0;
  double percentage_frozen_ = 0;
  std::shared_ptr<torch::nn::Module> model_;
};

void register_layer_freezing(cairn::Registrar& registrar) {
  registrar.add_algorithm(
      "LayerFreezing",
      [](const nlohmann::json& config) { return std::make_unique<LayerFreezing>(read_options(config)); },
      "freezes layers progressively from the first {freeze_start, freeze_level}");
  registrar.describe_config("algorithm", "LayerFreezing", {{"freeze_start", "float", "0.5", "fraction of training after which freezing begins, in [0, 1)"},
                            {"freeze_level", "float", "1.0", "fraction of the layers frozen by the end of training, in [0, 1]"}});
}

}  // namespace

CAIRN_PLUGIN("layer_freezing", "1.0.0", "LayerFreezing: progressively freezes the first layers",
             register_layer_freezing)
