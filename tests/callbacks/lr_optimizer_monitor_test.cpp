// LRMonitor reports the scheduler's learning rate; OptimizerMonitor reports
// gradient, weight and Adam moment norms equal to norms computed here.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include <torch/torch.h>

#include "callback_fixture.h"

namespace cairn::test {
namespace {

// At BATCH_END (after the monitors), the norms as this test computes them:
// sums of squares in double precision over every element.
class NormProbe : public Callback {
 public:
  void on_event(Event event, State& state) override {
    if (event != Event::BATCH_END) return;
    std::map<std::string, double> norms;
    double total = 0;
    auto* adam = dynamic_cast<torch::optim::Adam*>(state.optimizers.front().get());
    for (const auto& p : state.model->module()->named_parameters()) {
      const double g2 = p.value().grad().to(torch::kDouble).pow(2).sum().item<double>();
      total += g2;
      norms["grad/" + p.key()] = std::sqrt(g2);
      norms["param/" + p.key()] = std::sqrt(p.value().to(torch::kDouble).pow(2).sum().item<double>());
      auto& s = static_cast<torch::optim::AdamParamState&>(
          *adam->state().at(c10::guts::to_string(p.value().unsafeGetTensorImpl())));
      norms["moment/" + p.key()] = std::sqrt(s.exp_avg().to(torch::kDouble).pow(2).sum().item<double>());
      norms["second/" + p.key()] = std::sqrt(std::sqrt(s.exp_avg_sq().to(torch::kDouble).pow(2).sum().item<double>()));
    }
    norms["grad/global"] = std::sqrt(total);
    by_batch[state.timestamp.batch] = norms;
  }
  std::map<int64_t, std::map<std::string, double>> by_batch;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(lr_and_optimizer_monitors)

BOOST_AUTO_TEST_CASE(lr_monitor_follows_the_step_scheduler) {
  auto o = plain_options("2ep");  // Adam lr 0.01, StepLR step_size 3, gamma 0.5 (fixtures.cpp)
  auto destination = std::make_shared<RecordingDestination>();
  o.callbacks.push_back({"", make_callback("LRMonitor")});
  o.callbacks.push_back({"", destination});
  Trainer trainer(std::move(o));
  trainer.fit();
  const auto logged = destination->with("lr-Adam/group0");
  BOOST_TEST_REQUIRE(logged.size() == 10u);
  for (const auto& l : logged) {
    // After batch k the scheduler has stepped k times: 0.01 * 0.5^floor(k/3).
    const double expected = 0.01 * std::pow(0.5, double(l.at.batch / 3));
    BOOST_TEST(l.metrics.at("lr-Adam/group0") == expected, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(l.metrics.size() == 1u);  // one optimizer with one group
  }
}

BOOST_AUTO_TEST_CASE(optimizer_monitor_norms_equal_norms_computed_here) {
  auto o = plain_options("1ep");
  auto destination = std::make_shared<RecordingDestination>();
  auto probe = std::make_shared<NormProbe>();
  o.callbacks.push_back({"", make_callback("OptimizerMonitor", {{"batch_log_interval", 2}})});
  o.callbacks.push_back({"", probe});
  o.callbacks.push_back({"", destination});
  Trainer trainer(std::move(o));
  trainer.fit();
  const auto logged = destination->with("l2_norm/grad/global");
  BOOST_TEST_REQUIRE(logged.size() == 2u);  // batches 2 and 4 of 5
  const auto tol = boost::test_tools::tolerance(1e-9);
  for (const auto& l : logged) {
    BOOST_TEST((l.at.batch == 2 || l.at.batch == 4));
    const auto& expected = probe->by_batch.at(l.at.batch);
    BOOST_TEST(l.metrics.at("l2_norm/grad/global") == expected.at("grad/global"), tol);
    BOOST_TEST(l.metrics.at("l2_norm/grad/global") > 0.0);
    for (const char* name : {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}) {
      const std::string n(name);
      BOOST_TEST(l.metrics.at("l2_norm/grad/" + n) == expected.at("grad/" + n), tol);
      BOOST_TEST(l.metrics.at("l2_norm/param/" + n) == expected.at("param/" + n), tol);
      BOOST_TEST(l.metrics.at("l2_norm/moment/" + n) == expected.at("moment/" + n), tol);
      BOOST_TEST(l.metrics.at("l2_norm/second_moment_sqrt/" + n) == expected.at("second/" + n), tol);
    }
    BOOST_TEST(l.metrics.size() == 4u * 4u + 1u);
  }
}

BOOST_AUTO_TEST_CASE(optimizer_monitor_without_optimizer_metrics_logs_gradients_only) {
  auto o = plain_options("2ba");
  auto destination = std::make_shared<RecordingDestination>();
  o.callbacks.push_back(
      {"", make_callback("OptimizerMonitor", {{"log_optimizer_metrics", false}, {"batch_log_interval", 1}})});
  o.callbacks.push_back({"", destination});
  Trainer trainer(std::move(o));
  trainer.fit();
  const auto logged = destination->with("l2_norm/grad/global");
  BOOST_TEST_REQUIRE(logged.size() == 2u);
  for (const auto& [key, value] : logged.front().metrics) BOOST_TEST(key.rfind("l2_norm/grad/", 0) == 0u, key);
  BOOST_TEST(logged.front().metrics.size() == 5u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
