// Model plugin "mlp": a multi-layer perceptron classifier.
//
// Config (all optional): {"in_features": 16, "hidden": [64, 32], "classes": 4, "dropout": 0.0};
// "hidden": 32 is one hidden layer of 32.
// The defaults fit the "synthetic" dataset's defaults.
//
// The module is a torch::nn::Sequential of Linear, ReLU, Dropout per hidden
// layer and a final Linear, so state['model'] has exactly the names of the
// Python module in equivalent.py:
//
//   nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Dropout(0.0),
//                 nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.0),
//                 nn.Linear(32, 4))
//   -> 0.weight, 0.bias, 3.weight, 3.bias, 6.weight, 6.bias
//
// The Dropout layers are there even when dropout is 0, so the parameter
// indices do not depend on the dropout value.
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include "cairn/config.h"
#include "cairn/model.h"
#include "cairn/plugin.h"

namespace {

struct MlpOptions {
  int64_t in_features = 16;
  std::vector<int64_t> hidden = {64, 32};
  int64_t classes = 4;
  double dropout = 0.0;
};

MlpOptions read_options(const nlohmann::json& json) {
  cairn::Config cfg("model 'mlp'", json);
  MlpOptions o;
  o.in_features = cfg.get<int64_t>("in_features", o.in_features);
  // A single width is one hidden layer, as people first write it.
  if (cfg.has("hidden") && json.at("hidden").is_number_integer()) {
    o.hidden = {cfg.require<int64_t>("hidden")};
  } else {
    o.hidden = cfg.get<std::vector<int64_t>>("hidden", o.hidden);
  }
  o.classes = cfg.get<int64_t>("classes", o.classes);
  o.dropout = cfg.get<double>("dropout", o.dropout);
  cfg.finish();
  if (o.in_features < 1) cfg.fail("in_features", "must be at least 1 (got " + std::to_string(o.in_features) + ")");
  if (o.classes < 2) cfg.fail("classes", "must be at least 2 (got " + std::to_string(o.classes) + ")");
  for (int64_t width : o.hidden) {
    if (width < 1) cfg.fail("hidden", "must list layer widths of at least 1 (got " + std::to_string(width) + ")");
  }
  if (!(o.dropout >= 0.0 && o.dropout < 1.0)) {
    cfg.fail("dropout", "must be in [0, 1) (got " + std::to_string(o.dropout) + ")");
  }
  return o;
}

class MlpModel : public cairn::Model {
 public:
  explicit MlpModel(const MlpOptions& o) {
    int64_t width = o.in_features;
    for (int64_t next : o.hidden) {
      net_->push_back(torch::nn::Linear(width, next));
      net_->push_back(torch::nn::ReLU());
      net_->push_back(torch::nn::Dropout(o.dropout));
      width = next;
    }
    net_->push_back(torch::nn::Linear(width, o.classes));
  }

  std::shared_ptr<torch::nn::Module> module() override { return net_.ptr(); }

  at::Tensor forward(const at::Tensor& inputs) override { return net_->forward(inputs); }

 private:
  torch::nn::Sequential net_;
};

void register_mlp(cairn::Registrar& registrar) {
  registrar.add_model(
      "mlp", [](const nlohmann::json& config) { return std::make_unique<MlpModel>(read_options(config)); },
      "multi-layer perceptron classifier {in_features, hidden, classes, dropout}; Python: samples/mlp/equivalent.py");
  registrar.describe_config("model", "mlp", {{"in_features", "int", "16", "input width"},
                            {"hidden", "list[int] | int", "[64, 32]", "hidden layer widths (a single number: one layer)", "32"},
                            {"classes", "int", "4", "output classes"},
                            {"dropout", "float", "0.0", "dropout probability after each hidden layer, in [0, 1)"}});
}

}  // namespace

CAIRN_PLUGIN("mlp", "1.0.0", "A small multi-layer perceptron classifier", register_mlp)
