// EarlyStopper and ThresholdStopper stop at exactly the batch a scripted
// metric sequence calls for, or at the evaluation whose metric calls for it,
// and reject bad settings and labels with clear messages.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "callback_fixture.h"
#include "test_text.h"

namespace cairn::test {
namespace {

// Trains up to `max_duration` with `score` scripted per batch and `stopper`
// enabled after it; returns the trainer's final state.
struct StopRun {
  int64_t batch = 0, epoch = 0;
  c10::IValue stopper_state;
};

StopRun run(const std::vector<double>& script, const std::string& stopper, const nlohmann::json& config,
            const std::string& max_duration = "4ep") {
  auto o = plain_options(max_duration);
  o.callbacks.push_back({"", std::make_shared<ScriptedMetric>("score", script)});
  auto callback = make_callback(stopper, config);
  o.callbacks.push_back({"", callback});
  Trainer trainer(std::move(o));
  trainer.fit();
  return {trainer.state().timestamp.batch, trainer.state().timestamp.epoch, callback->state_dict()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stoppers)

BOOST_AUTO_TEST_CASE(early_stopper_with_batch_patience_stops_at_the_right_batch) {
  // Best 3.0 at batch 3; 3.05 (batch 4) is not better by more than min_delta
  // 0.1; with patience 2ba the run stops when batch - 3 > 2, at batch 6.
  const StopRun r = run({1, 2, 3, 3.05, 2.9, 2.8, 9, 9}, "EarlyStopper",
                        {{"monitor", "score"}, {"comp", "max"}, {"min_delta", 0.1}, {"patience", "2ba"}});
  BOOST_TEST(r.batch == 6);
  const auto s = r.stopper_state.toGenericDict();
  BOOST_TEST(s.at("best").toDouble() == 3.0);
  BOOST_TEST(s.at("best_batch").toInt() == 3);
  BOOST_TEST(s.at("wait").toInt() == 3);
}

BOOST_AUTO_TEST_CASE(early_stopper_min_mode_keeps_improving_until_it_does_not) {
  // "loss" in the name means lower is better without comp. Improves through
  // batch 5, then flat: stops at batch 5 + 1 + 1 = 7 with patience 1ba.
  auto o = plain_options("4ep");
  o.callbacks.push_back({"", std::make_shared<ScriptedMetric>("my_loss", std::vector<double>{5, 4, 3, 2, 1, 1, 1, 1})});
  o.callbacks.push_back({"", make_callback("EarlyStopper", {{"monitor", "my_loss"}, {"patience", "1ba"}})});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(trainer.state().timestamp.batch == 7);
}

BOOST_AUTO_TEST_CASE(early_stopper_with_epoch_patience_checks_at_epoch_ends) {
  // 5 batches per epoch. The score at epoch ends (batches 5, 10, 15, 20):
  // 1, 2, 2, 2. Best at epoch 2 (batch 10); patience 1 (epochs) is exceeded
  // at the end of epoch 4: the run trains 4 epochs out of 6.
  std::vector<double> script(30, 2.0);
  for (int i = 0; i < 5; ++i) script[i] = 1.0;
  const StopRun r = run(script, "EarlyStopper", {{"monitor", "score"}, {"patience", 1}}, "6ep");
  BOOST_TEST(r.epoch == 4);
  BOOST_TEST(r.batch == 20);
  BOOST_TEST(r.stopper_state.toGenericDict().at("best_epoch").toInt() == 2);
}

BOOST_AUTO_TEST_CASE(early_stopper_monitoring_the_engines_loss_runs) {
  // Real loss from the engine: the run ends by max_duration or by the stopper,
  // and the best value is one the run logged.
  auto o = plain_options("2ep");
  auto stopper = make_callback("EarlyStopper", {{"monitor", "loss/train"}, {"patience", "100ba"}});
  o.callbacks.push_back({"", stopper});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(trainer.state().timestamp.batch == 10);
  BOOST_TEST(stopper->state_dict().toGenericDict().at("best").toDouble() > 0.0);
}

BOOST_AUTO_TEST_CASE(threshold_stopper_on_batch_and_at_epoch_end) {
  // score > 2.5 first at batch 3.
  BOOST_TEST(run({1, 2, 3, 4}, "ThresholdStopper",
                 {{"monitor", "score"}, {"threshold", 2.5}, {"comp", "greater"}, {"stop_on_batch", true}})
                 .batch == 3);
  // Without stop_on_batch it is checked at the end of epoch 1 only.
  BOOST_TEST(run({1, 2, 3, 4}, "ThresholdStopper", {{"monitor", "score"}, {"threshold", 2.5}, {"comp", "gt"}}).batch ==
             5);
  // A loss-like name stops when the value falls below the threshold.
  auto o = plain_options("4ep");
  o.callbacks.push_back({"", std::make_shared<ScriptedMetric>("val_error", std::vector<double>{9, 8, 0.5, 0.4})});
  o.callbacks.push_back({"", make_callback("ThresholdStopper", {{"monitor", "val_error"}, {"threshold", 1.0},
                                                                 {"stop_on_batch", true}})});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(trainer.state().timestamp.batch == 3);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_named) {
  const struct {
    const char* plugin;
    nlohmann::json config;
    const char* says;
  } cases[] = {
      {"EarlyStopper", nlohmann::json::object(), "monitor"},
      {"EarlyStopper", {{"monitor", "x"}, {"comp", "bigger"}}, "comp"},
      {"EarlyStopper", {{"monitor", "x"}, {"patience", "10sp"}}, "patience"},
      {"EarlyStopper", {{"monitor", "x"}, {"patience", 1.5}}, "patience"},
      {"EarlyStopper", {{"monitor", "x"}, {"dataloader_label", ""}}, "dataloader_label"},
      {"ThresholdStopper", {{"monitor", "x"}, {"threshold", 1}, {"dataloader_label", 3}}, "dataloader_label"},
      {"ThresholdStopper", {{"monitor", "x"}}, "threshold"},
      {"ThresholdStopper", {{"monitor", "x"}, {"threshold", 1}, {"stop_on_batchh", true}}, "stop_on_batchh"},
  };
  for (const auto& c : cases) {
    const std::string message = error_text<ConfigError>([&] { make_callback(c.plugin, c.config); });
    BOOST_TEST(contains(message, c.plugin), message);
    BOOST_TEST(contains(message, c.says), message);
  }
}

BOOST_AUTO_TEST_CASE(a_metric_the_run_does_not_log_fails_with_the_known_names) {
  auto o = plain_options("1ep");
  o.callbacks.push_back({"", make_callback("EarlyStopper", {{"monitor", "accuracy"}, {"patience", "1ba"}})});
  Trainer trainer(std::move(o));
  const std::string message = error_text<ConfigError>([&] { trainer.fit(); });
  BOOST_TEST(contains(message, "'accuracy'"), message);
  BOOST_TEST(contains(message, "loss/train"), message);
}

// A model that does not learn (learning rate 0) evaluated every epoch: the
// evaluation metrics are the same at every evaluation.
TrainerOptions evaluating_options(const std::string& max_duration, const std::string& eval_interval = "1ep") {
  auto o = plain_options(max_duration);
  o.optimizers = {std::make_shared<torch::optim::SGD>(o.model->module()->parameters(), torch::optim::SGDOptions(0.0))};
  o.schedulers.clear();
  o.eval_dataloader = make_eval_dataset();
  o.eval_interval = Time::parse(eval_interval);
  return o;
}

BOOST_AUTO_TEST_CASE(early_stopper_on_an_evaluation_metric_stops_at_an_evaluation) {
  // MulticlassAccuracy: higher is better. Best at the first evaluation (end of
  // epoch 1); no better one follows, so with patience 1 (epoch) the run stops
  // at the evaluation at the end of epoch 3, when 3 - 1 > 1.
  auto o = evaluating_options("10ep");
  auto stopper = make_callback("EarlyStopper", {{"monitor", "MulticlassAccuracy"}, {"dataloader_label", "eval"}});
  o.callbacks.push_back({"", stopper});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(trainer.state().timestamp.epoch == 3);
  const auto s = stopper->state_dict().toGenericDict();
  BOOST_TEST(s.at("best").toDouble() == trainer.state().eval_metrics.at("eval").at("MulticlassAccuracy"));
  BOOST_TEST(s.at("best_epoch").toInt() == 1);
  BOOST_TEST(s.at("wait").toInt() == 2);
}

BOOST_AUTO_TEST_CASE(threshold_stopper_on_an_evaluation_metric_stops_after_the_batch_it_was_evaluated_at) {
  // Evaluated every 3 batches; any accuracy is above -1, so the first
  // evaluation (batch 3) stops the run; stop_on_batch has no say for "eval".
  auto o = evaluating_options("4ep", "3ba");
  o.callbacks.push_back({"", make_callback("ThresholdStopper", {{"monitor", "MulticlassAccuracy"},
                                                                 {"dataloader_label", "eval"},
                                                                 {"threshold", -1.0}})});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(trainer.state().timestamp.batch == 3);

  // A threshold never crossed: the run goes to its end.
  auto never = evaluating_options("2ep", "3ba");
  never.callbacks.push_back({"", make_callback("ThresholdStopper", {{"monitor", "CrossEntropy"},
                                                                     {"dataloader_label", "eval"},
                                                                     {"threshold", 0.0},
                                                                     {"comp", "min"}})});
  Trainer full(std::move(never));
  full.fit();
  BOOST_TEST(full.state().timestamp.batch == 10);
}

BOOST_AUTO_TEST_CASE(a_label_the_run_does_not_have_is_refused_before_training) {
  {
    // "eval" without evaluation data.
    auto o = plain_options("1ep");
    o.callbacks.push_back({"", make_callback("EarlyStopper", {{"monitor", "CrossEntropy"}, {"dataloader_label", "eval"}})});
    const std::string message = error_text<ConfigError>([&] { Trainer trainer(std::move(o)); });
    BOOST_TEST(contains(message, "EarlyStopper"), message);
    BOOST_TEST(contains(message, "dataloader_label is \"eval\""), message);
    BOOST_TEST(contains(message, "\"train\""), message);
    BOOST_TEST(contains(message, "--eval-data"), message);
  }
  {
    auto o = evaluating_options("1ep");
    o.callbacks.push_back({"", make_callback("ThresholdStopper", {{"monitor", "CrossEntropy"},
                                                                   {"dataloader_label", "val"},
                                                                   {"threshold", 1.0}})});
    const std::string message = error_text<ConfigError>([&] { Trainer trainer(std::move(o)); });
    BOOST_TEST(contains(message, "ThresholdStopper"), message);
    BOOST_TEST(contains(message, "\"val\""), message);
    BOOST_TEST(contains(message, "\"train\", \"eval\""), message);
  }
}

BOOST_AUTO_TEST_CASE(an_evaluation_metric_the_run_does_not_compute_names_those_it_does) {
  auto o = evaluating_options("2ep");
  o.callbacks.push_back({"", make_callback("EarlyStopper", {{"monitor", "Accuracy"}, {"dataloader_label", "eval"}})});
  Trainer trainer(std::move(o));
  const std::string message = error_text<ConfigError>([&] { trainer.fit(); });
  BOOST_TEST(contains(message, "'Accuracy'"), message);
  BOOST_TEST(contains(message, "CrossEntropy, MulticlassAccuracy"), message);
  BOOST_TEST(trainer.state().timestamp.epoch == 1);  // at the first evaluation
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
