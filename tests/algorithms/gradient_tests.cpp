// GradientClipping against clipping done by hand, and SAM against a manual
// two-pass computation of its update.
#include <boost/test/unit_test.hpp>

#include "algorithm_fixtures.h"
#include "test_text.h"

namespace cairn::test {
namespace {

// A State holding a PlainNet whose gradients are set to known values: rows of
// fc1.weight alternate between large and tiny gradients.
struct GradientSetup {
  State state;
  std::vector<torch::Tensor> params, grads;
  GradientSetup() {
    torch::manual_seed(3);
    auto net = PlainNet();
    state.model = std::make_shared<ModuleModel<PlainNet>>(net);
    for (auto& p : net->parameters()) {
      torch::Tensor g = torch::randn_like(p) * 2.0;
      if (p.dim() == 2) g.index({torch::indexing::Slice(0, torch::indexing::None, 2)}).mul_(1e-4);
      p.mutable_grad() = g.clone();
      params.push_back(p);
      grads.push_back(g);
    }
  }
  void apply(Algorithm& algorithm) {
    BOOST_TEST_REQUIRE(algorithm.match(Event::AFTER_BACKWARD, state));
    BOOST_TEST(!algorithm.match(Event::AFTER_TRAIN_BATCH, state));
    algorithm.apply(Event::AFTER_BACKWARD, state);
  }
};

// The 2-norm of each output unit (row) of a matrix, or of a whole vector.
std::vector<double> unit_norms(const torch::Tensor& t) {
  std::vector<double> out;
  const auto rows = t.dim() <= 1 ? t.reshape({1, -1}) : t.reshape({t.size(0), -1});
  for (int64_t r = 0; r < rows.size(0); ++r) {
    double sum = 0;
    for (int64_t c = 0; c < rows.size(1); ++c) sum += std::pow(rows[r][c].item<double>(), 2);
    out.push_back(std::sqrt(sum));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gradients)

BOOST_AUTO_TEST_CASE(norm_clipping_scales_all_gradients_to_the_threshold) {
  GradientSetup setup;
  auto clip = make_algorithm("GradientClipping", {{"clipping_type", "norm"}, {"clipping_threshold", 0.5}});
  setup.apply(*clip);
  double total = 0;
  for (const auto& g : setup.grads) total += g.pow(2).sum().item<double>();
  total = std::sqrt(total);
  BOOST_TEST_REQUIRE(total > 0.5);
  const double coefficient = 0.5 / (total + 1e-6);  // torch.nn.utils.clip_grad_norm_
  double clipped = 0;
  for (size_t i = 0; i < setup.params.size(); ++i) {
    BOOST_TEST(tensors_close(setup.params[i].grad(), setup.grads[i] * coefficient));
    clipped += setup.params[i].grad().pow(2).sum().item<double>();
  }
  BOOST_TEST(std::sqrt(clipped) <= 0.5);
}

BOOST_AUTO_TEST_CASE(value_clipping_bounds_every_element) {
  GradientSetup setup;
  auto clip = make_algorithm("GradientClipping", {{"clipping_type", "value"}, {"clipping_threshold", 0.1}});
  setup.apply(*clip);
  for (size_t i = 0; i < setup.params.size(); ++i) {
    BOOST_TEST(tensors_equal(setup.params[i].grad(), setup.grads[i].clamp(-0.1, 0.1)));
    BOOST_TEST(setup.params[i].grad().abs().max().item<float>() <= 0.1f);
  }
}

BOOST_AUTO_TEST_CASE(adaptive_clipping_bounds_each_unit_by_its_weight_norm) {
  GradientSetup setup;
  const double threshold = 0.05;
  auto clip = make_algorithm("GradientClipping", {{"clipping_type", "adaptive"}, {"clipping_threshold", threshold}});
  setup.apply(*clip);
  int clipped_units = 0, kept_units = 0;
  for (size_t i = 0; i < setup.params.size(); ++i) {
    const auto w_norms = unit_norms(setup.params[i].detach());
    const auto g_norms = unit_norms(setup.grads[i]);
    const auto after = setup.params[i].grad().dim() <= 1
                           ? setup.params[i].grad().reshape({1, -1})
                           : setup.params[i].grad().reshape({setup.params[i].size(0), -1});
    const auto before = setup.params[i].dim() <= 1 ? setup.grads[i].reshape({1, -1})
                                                   : setup.grads[i].reshape({setup.params[i].size(0), -1});
    for (size_t u = 0; u < w_norms.size(); ++u) {
      const double bound = w_norms[u] * threshold;
      const double factor = g_norms[u] > bound ? bound / g_norms[u] : 1.0;
      (factor < 1.0 ? clipped_units : kept_units) += 1;
      BOOST_TEST(tensors_close(after[int64_t(u)], before[int64_t(u)] * factor, 1e-5, 1e-9),
                 "param " << i << " unit " << u);
    }
  }
  BOOST_TEST(clipped_units > 0);
  BOOST_TEST(kept_units > 0);
}

BOOST_AUTO_TEST_CASE(clipping_applies_before_every_optimizer_step) {
  auto options = make_options("1ep");
  std::vector<double> norms;
  options.callbacks.push_back({"Recorder", std::make_shared<EventRecorder>(Event::AFTER_BACKWARD, [&](State& s) {
                                 double total = 0;
                                 for (const auto& p : s.model->module()->parameters())
                                   if (p.grad().defined()) total += p.grad().pow(2).sum().item<double>();
                                 norms.push_back(std::sqrt(total));
                               })});
  options.algorithms.push_back(
      {"GradientClipping",
       make_algorithm("GradientClipping", {{"clipping_type", "norm"}, {"clipping_threshold", 1e-3}})});
  Trainer trainer(std::move(options));
  trainer.fit();
  BOOST_TEST_REQUIRE(norms.size() == 5u);
  for (double n : norms) BOOST_TEST(n <= 1e-3 * (1 + 1e-5));
}

BOOST_AUTO_TEST_CASE(clipping_config_errors_name_the_field) {
  const struct {
    nlohmann::json config;
    std::string field, detail;
  } cases[] = {
      {{{"clipping_threshold", 1.0}}, "clipping_type", "required"},
      {{{"clipping_type", "l2"}, {"clipping_threshold", 1.0}}, "clipping_type", "\"adaptive\""},
      {{{"clipping_type", "norm"}, {"clipping_threshold", 0}}, "clipping_threshold", "greater than 0"},
      {{{"clipping_type", "norm"}, {"clipping_threshold", "big"}}, "clipping_threshold", "wrong type"},
  };
  for (const auto& c : cases) {
    const std::string message = algorithm_config_error("GradientClipping", c.config);
    BOOST_TEST(contains(message, "algorithm 'GradientClipping'"), message);
    BOOST_TEST(contains(message, c.field), message);
    BOOST_TEST(contains(message, c.detail), message);
  }
}

namespace {

using Params = std::vector<torch::Tensor>;  // fc1.weight, fc1.bias, fc2.weight, fc2.bias

torch::Tensor plain_loss(const Params& w, const Batch& batch) {
  namespace F = torch::nn::functional;
  const auto hidden = torch::tanh(F::linear(batch.inputs, w[0], w[1]));
  return F::cross_entropy(F::linear(hidden, w[2], w[3]), batch.targets);
}

Params gradients_at(const Params& w, const Batch& batch) {
  Params leaves;
  for (const auto& t : w) leaves.push_back(t.detach().clone().requires_grad_(true));
  return torch::autograd::grad({plain_loss(leaves, batch)}, leaves);
}

// One batch of PlainNet with SGD(lr 0.1) and SAM `config`: the weights before,
// after, and the batch.
std::tuple<Params, Params, Batch> train_one_batch(const nlohmann::json& config) {
  auto options = plain_options("1ba", 0.1);
  Batch batch;
  options.callbacks.push_back(
      {"Recorder", std::make_shared<EventRecorder>(Event::AFTER_DATALOADER, [&](State& s) { batch = s.batch; })});
  options.algorithms.push_back({"SAM", make_algorithm("SAM", config)});
  Trainer trainer(std::move(options));
  Params before, after;
  for (const auto& p : trainer.state().model->module()->parameters()) before.push_back(p.detach().clone());
  trainer.fit();
  for (const auto& p : trainer.state().model->module()->parameters()) after.push_back(p.detach().clone());
  return {before, after, batch};
}

}  // namespace

BOOST_AUTO_TEST_CASE(sam_step_equals_a_manual_two_pass_update) {
  const double rho = 0.5, lr = 0.1;
  const auto [w, trained, batch] = train_one_batch({{"rho", rho}});
  // SAMOptimizer: e(w) = rho * g / (||g|| + eps); step with the gradient at w + e(w).
  const Params g = gradients_at(w, batch);
  std::vector<torch::Tensor> norms;
  for (const auto& t : g) norms.push_back(t.norm(2));
  const auto scale = rho / (torch::stack(norms).norm(2) + 1e-12);
  Params perturbed;
  for (size_t i = 0; i < w.size(); ++i) perturbed.push_back(w[i] + g[i] * scale);
  const Params g_sharp = gradients_at(perturbed, batch);
  for (size_t i = 0; i < w.size(); ++i) {
    BOOST_TEST(tensors_close(trained[i], w[i] - lr * g_sharp[i], 1e-5, 1e-7), "param " << i);
    BOOST_TEST(!tensors_close(trained[i], w[i] - lr * g[i], 1e-5, 1e-7), "param " << i << " took a plain SGD step");
  }
  // With interval 2 the first batch is a plain step.
  const auto [w2, trained2, batch2] = train_one_batch({{"rho", rho}, {"interval", 2}});
  const Params g2 = gradients_at(w2, batch2);
  for (size_t i = 0; i < w2.size(); ++i) BOOST_TEST(tensors_close(trained2[i], w2[i] - lr * g2[i], 1e-5, 1e-7));
}

BOOST_AUTO_TEST_CASE(sam_config_errors_name_the_field) {
  for (const auto& [config, field] :
       std::vector<std::pair<nlohmann::json, std::string>>{{{{"rho", 0}}, "rho"},
                                                           {{{"epsilon", -1.0}}, "epsilon"},
                                                           {{{"interval", 0}}, "interval"},
                                                           {{{"ro", 1}}, "ro"}}) {
    const std::string message = algorithm_config_error("SAM", config);
    BOOST_TEST(contains(message, "algorithm 'SAM'"), message);
    BOOST_TEST(contains(message, field), message);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
