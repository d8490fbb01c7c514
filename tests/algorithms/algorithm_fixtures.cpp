#include "algorithm_fixtures.h"

#include "cairn/errors.h"
#include "core/rng.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"

namespace cairn::test {
namespace {

const PluginHost& plugins() {
  static PluginHost* host = [] {
    auto* h = new EngineHost();
    h->load_all({CAIRN_SHIPPED_PLUGIN_DIR});
    return h;
  }();
  return *host;
}

}  // namespace

std::shared_ptr<Algorithm> make_algorithm(const std::string& name, const nlohmann::json& config) {
  return plugins().make_algorithm(name, config);
}

std::string algorithm_config_error(const std::string& name, const nlohmann::json& config) {
  try {
    make_algorithm(name, config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

std::map<std::string, torch::Tensor> snapshot_weights(const State& state) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : state.model->module()->named_parameters(true)) out[p.key()] = p.value().detach().clone();
  for (const auto& b : state.model->module()->named_buffers(true)) out[b.key()] = b.value().detach().clone();
  return out;
}

PlainNetImpl::PlainNetImpl() {
  fc1 = register_module("fc1", torch::nn::Linear(4, 6));
  fc2 = register_module("fc2", torch::nn::Linear(6, 3));
}

TrainerOptions plain_options(const std::string& max_duration, double lr) {
  TrainerOptions o = make_options(max_duration);
  seed_all(42);
  auto net = PlainNet();
  o.model = std::make_shared<ModuleModel<PlainNet>>(net);
  o.optimizers = {std::make_shared<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(lr))};
  o.schedulers.clear();
  o.callbacks.clear();
  return o;
}

bool tensors_equal(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() && torch::equal(a, b);
}

bool tensors_close(const torch::Tensor& a, const torch::Tensor& b, double rtol, double atol) {
  return a.sizes() == b.sizes() && torch::allclose(a, b, rtol, atol);
}

}  // namespace cairn::test
