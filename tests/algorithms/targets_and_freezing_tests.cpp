// LabelSmoothing's loss against a smoothed cross-entropy computed by hand, and
// LayerFreezing's frozen set and frozen weights.
#include <boost/test/unit_test.hpp>

#include "algorithm_fixtures.h"
#include "test_text.h"

namespace tt = boost::test_tools;

namespace cairn::test {

BOOST_AUTO_TEST_SUITE(targets_and_freezing)

BOOST_AUTO_TEST_CASE(label_smoothing_loss_is_a_hand_computed_smoothed_cross_entropy) {
  const double smoothing = 0.2;
  auto options = plain_options("1ep");
  std::vector<std::pair<double, double>> losses;  // (trainer's loss, reference)
  options.callbacks.push_back({"Recorder", std::make_shared<EventRecorder>(Event::AFTER_LOSS, [&](State& s) {
                                 // The original class indices are back once the loss is computed.
                                 BOOST_TEST(s.batch.targets.scalar_type() == torch::kLong);
                                 const auto log_p = torch::log_softmax(s.outputs.detach(), 1);
                                 const int64_t classes = s.outputs.size(1);
                                 double total = 0;
                                 for (int64_t n = 0; n < s.outputs.size(0); ++n) {
                                   const int64_t label = s.batch.targets[n].item<int64_t>();
                                   for (int64_t c = 0; c < classes; ++c) {
                                     const double q =
                                         (c == label ? 1.0 - smoothing : 0.0) + smoothing / double(classes);
                                     total -= q * log_p[n][c].item<double>();
                                   }
                                 }
                                 losses.emplace_back(s.loss.item<double>(), total / double(s.outputs.size(0)));
                               })});
  options.algorithms.push_back({"LabelSmoothing", make_algorithm("LabelSmoothing", {{"smoothing", smoothing}})});
  Trainer trainer(std::move(options));
  trainer.fit();
  BOOST_TEST_REQUIRE(losses.size() == 5u);
  for (const auto& [loss, reference] : losses) BOOST_TEST(loss == reference, tt::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(label_smoothing_targets_and_errors) {
  State state;
  state.outputs = torch::randn({3, 4});
  state.batch.targets = torch::tensor({0, 3, 1}, torch::kLong);
  auto smoothing = make_algorithm("LabelSmoothing", nullptr);  // Composer's default 0.1
  BOOST_TEST(smoothing->match(Event::BEFORE_LOSS, state));
  BOOST_TEST(smoothing->match(Event::AFTER_LOSS, state));
  BOOST_TEST(!smoothing->match(Event::AFTER_FORWARD, state));
  const auto original = state.batch.targets;
  smoothing->apply(Event::BEFORE_LOSS, state);
  const auto expected =
      torch::tensor({{0.925, 0.025, 0.025, 0.025}, {0.025, 0.025, 0.025, 0.925}, {0.025, 0.925, 0.025, 0.025}});
  BOOST_TEST(tensors_close(state.batch.targets, expected));
  smoothing->apply(Event::AFTER_LOSS, state);
  BOOST_TEST(tensors_equal(state.batch.targets, original));

  for (const auto& bad :
       {nlohmann::json{{"smoothing", 0}}, nlohmann::json{{"smoothing", 1.0}}, nlohmann::json{{"smoothing", -0.1}}}) {
    const std::string message = algorithm_config_error("LabelSmoothing", bad);
    BOOST_TEST(contains(message, "algorithm 'LabelSmoothing'"), message);
    BOOST_TEST(contains(message, "smoothing"), message);
    BOOST_TEST(contains(message, "(0, 1)"), message);
  }
}

BOOST_AUTO_TEST_CASE(layer_freezing_freezes_the_first_layers_and_they_stop_changing) {
  // TinyNet's leaf modules: fc1, dropout, fc2 (the last is never frozen).
  // 4 epochs, freeze_start 0.25: shares 0, 1/3, 2/3, 1 -> depths 0, 0, 1, 2.
  auto options = make_options("4ep");
  auto net = std::dynamic_pointer_cast<ModuleModel<TinyNet>>(options.model)->holder();
  // Momentum and weight decay would move a frozen weight that kept a gradient.
  options.optimizers = {std::make_shared<torch::optim::SGD>(
      net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(0.1))};
  options.schedulers.clear();
  std::vector<std::map<std::string, torch::Tensor>> at_epoch_end;
  options.callbacks.push_back({"Recorder", std::make_shared<EventRecorder>(Event::EPOCH_END, [&](State& s) {
                                 at_epoch_end.push_back(snapshot_weights(s));
                               })});
  auto freezing = make_algorithm("LayerFreezing", {{"freeze_start", 0.25}});
  options.algorithms.push_back({"LayerFreezing", freezing});
  Trainer trainer(std::move(options));
  trainer.fit();

  BOOST_TEST_REQUIRE(at_epoch_end.size() == 4u);
  const auto final_weights = snapshot_weights(trainer.state());
  for (const char* name : {"fc1.weight", "fc1.bias"}) {
    BOOST_TEST(tensors_equal(final_weights.at(name), at_epoch_end[2].at(name)), name << " changed after it was frozen");
    BOOST_TEST(!tensors_equal(at_epoch_end[1].at(name), at_epoch_end[2].at(name)), name << " did not train before");
  }
  BOOST_TEST(!tensors_equal(final_weights.at("fc2.weight"), at_epoch_end[2].at("fc2.weight")));
  BOOST_TEST(!net->fc1->weight.requires_grad());
  BOOST_TEST(!net->fc1->weight.grad().defined());
  BOOST_TEST(net->fc2->weight.requires_grad());

  const auto state = freezing->state_dict().toGenericDict();
  std::vector<std::string> frozen;
  for (const auto& n : state.at("frozen_parameters").toListRef()) frozen.push_back(n.toStringRef());
  BOOST_TEST(frozen == (std::vector<std::string>{"fc1.bias", "fc1.weight"}), tt::per_element());
  BOOST_TEST(state.at("layers_frozen").toInt() == 2);
  BOOST_TEST(state.at("percentage_frozen").toDouble() == 1.0);
}

BOOST_AUTO_TEST_CASE(layer_freezing_config_errors_name_the_field) {
  for (const auto& [config, field] :
       std::vector<std::pair<nlohmann::json, std::string>>{{{{"freeze_start", 1.0}}, "freeze_start"},
                                                           {{{"freeze_level", 1.5}}, "freeze_level"},
                                                           {{{"freeze", 1}}, "freeze"}}) {
    const std::string message = algorithm_config_error("LayerFreezing", config);
    BOOST_TEST(contains(message, "algorithm 'LayerFreezing'"), message);
    BOOST_TEST(contains(message, field), message);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
