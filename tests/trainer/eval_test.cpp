// Evaluation during fit, as Composer's Trainer runs it: the events and where
// they fall among the training events, eval_interval in its forms, the model
// in eval mode without gradients, and training left bitwise as it would have
// been without evaluation.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include <c10/core/GradMode.h>

#include "cairn/errors.h"
#include "cairn/logger.h"
#include "cairn/state.h"
#include "fixtures.h"
#include "test_text.h"

namespace cairn::test {
namespace {

bool is_eval_event(Event e) { return e >= Event::EVAL_BEFORE_ALL && e <= Event::EVAL_AFTER_ALL; }

// The names of the events it sees, space-separated, for those `keep` accepts;
// at EVAL_START also the batch ("eval_start@3") and whether eval_label was set.
class EventLog : public Callback {
 public:
  explicit EventLog(std::function<bool(Event)> keep) : keep_(std::move(keep)) {}
  void on_event(Event event, State& state) override {
    const bool in_eval = event >= Event::EVAL_START && event <= Event::EVAL_END;
    if (in_eval != (state.eval_label == "eval")) wrong_label += std::string(to_string(event)) + " ";
    if (event == Event::EVAL_START) eval_batches.push_back(state.timestamp.batch);
    if (!keep_(event)) return;
    text += (text.empty() ? "" : " ") + std::string(to_string(event));
  }
  std::string text, wrong_label;
  std::vector<int64_t> eval_batches;

 private:
  std::function<bool(Event)> keep_;
};

std::string repeated(const std::string& part, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += (out.empty() ? "" : " ") + part;
  return out;
}

class WarningLogger : public Logger {
 public:
  void log_metrics(const std::map<std::string, double>&, const Timestamp&) override {}
  void info(const std::string&) override {}
  void warn(const std::string& message) override { warnings += message + "\n"; }
  std::string warnings;
};

// Draws from the global generator at every evaluation batch, as a random
// augmentation of the evaluation data would.
class DrawsDuringEval : public Callback {
 public:
  void on_event(Event event, State&) override {
    if (event == Event::EVAL_BATCH_START) at::rand({32});
  }
};

// Checks, at every evaluation event, that the model is in eval mode and
// gradients are off, that no gradient changed during the evaluation, and at
// the checkpoint events after it that training mode is back.
class EvalModeProbe : public Callback {
 public:
  void on_event(Event event, State& state) override {
    auto module = state.model->module();
    if (event == Event::EVAL_START) {
      grads_.clear();
      for (const auto& p : module->parameters()) grads_.push_back(p.grad().defined() ? p.grad().clone() : at::Tensor());
    }
    if (is_eval_event(event) && event != Event::EVAL_BEFORE_ALL && event != Event::EVAL_AFTER_ALL) {
      ++checks;
      if (module->is_training()) problems += std::string("training mode at ") + to_string(event) + "; ";
      if (c10::GradMode::is_enabled()) problems += std::string("gradients on at ") + to_string(event) + "; ";
    }
    if (event == Event::EVAL_AFTER_FORWARD && state.outputs.requires_grad()) problems += "outputs require grad; ";
    if (event == Event::EVAL_END) {
      const auto params = module->parameters();
      for (size_t i = 0; i < params.size(); ++i) {
        const at::Tensor now = params[i].grad();
        const bool same = now.defined() == grads_[i].defined() && (!now.defined() || at::equal(now, grads_[i]));
        if (!same) problems += "a gradient changed during evaluation; ";
      }
    }
    if (event == Event::BATCH_CHECKPOINT || event == Event::EPOCH_CHECKPOINT) {
      if (!module->is_training()) problems += std::string("eval mode left on at ") + to_string(event) + "; ";
      if (!c10::GradMode::is_enabled()) problems += std::string("gradients off at ") + to_string(event) + "; ";
    }
  }
  int checks = 0;
  std::string problems;

 private:
  std::vector<at::Tensor> grads_;
};

TrainerOptions with_eval(const std::string& max_duration, SaveInterval interval) {
  auto o = make_options(max_duration);
  o.eval_dataloader = make_eval_dataset();
  o.eval_interval = std::move(interval);
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(evaluation)

BOOST_AUTO_TEST_CASE(each_epoch_end_evaluates_before_the_epoch_checkpoint) {
  auto o = with_eval("2ep", Time(1, TimeUnit::EPOCH));
  auto log = std::make_shared<EventLog>([](Event e) {
    return is_eval_event(e) || e == Event::EPOCH_END || e == Event::EPOCH_CHECKPOINT || e == Event::FIT_END;
  });
  o.callbacks.push_back({"EventLog", log});
  Trainer trainer(std::move(o));
  trainer.fit();
  // 7 evaluation samples in batches of 3: three batches per evaluation. The
  // last evaluation was at the last batch, so none follows FIT_END.
  const std::string eval = "eval_before_all eval_start " +
                           repeated("eval_batch_start eval_before_forward eval_after_forward eval_batch_end", 3) +
                           " eval_end eval_after_all";
  const std::string epoch = "epoch_end " + eval + " epoch_checkpoint";
  BOOST_TEST(log->text == epoch + " " + epoch + " fit_end");
  BOOST_TEST((log->eval_batches == std::vector<int64_t>{5, 10}));
  BOOST_TEST(log->wrong_label.empty(), "eval_label wrong at " << log->wrong_label);
}

BOOST_AUTO_TEST_CASE(a_batch_interval_evaluates_after_batch_end_and_once_more_after_fit_end) {
  auto o = with_eval("2ep", Time::parse("3ba"));
  o.eval_subset_num_batches = 2;
  auto log = std::make_shared<EventLog>([](Event e) {
    return e == Event::BATCH_END || e == Event::BATCH_CHECKPOINT || e == Event::FIT_END ||
           e == Event::EVAL_BEFORE_ALL || e == Event::EVAL_START || e == Event::EVAL_BATCH_START ||
           e == Event::EVAL_END || e == Event::EVAL_AFTER_ALL;
  });
  o.callbacks.push_back({"EventLog", log});
  Trainer trainer(std::move(o));
  trainer.fit();
  // Composer's evaluate_periodically: at batches 3, 6 and 9, and at FIT_END
  // since batch 10 had none. subset_num_batches 2 of the 3 batches.
  BOOST_TEST((log->eval_batches == std::vector<int64_t>{3, 6, 9, 10}));
  const std::string eval = "eval_before_all eval_start eval_batch_start eval_batch_start eval_end eval_after_all";
  const std::string plain = "batch_end batch_checkpoint";
  const std::string evaluated = "batch_end " + eval + " batch_checkpoint";
  const std::string expected = repeated(plain, 2) + " " + evaluated + " " + repeated(plain, 2) + " " + evaluated +
                               " " + repeated(plain, 2) + " " + evaluated + " " + plain + " fit_end " + eval;
  BOOST_TEST(log->text == expected);
  BOOST_TEST(log->wrong_label.empty(), "eval_label wrong at " << log->wrong_label);
}

BOOST_AUTO_TEST_CASE(a_fraction_of_the_run_a_predicate_and_zero) {
  {
    auto o = with_eval("2ep", Time::parse("0.5dur"));
    auto log = std::make_shared<EventLog>([](Event) { return false; });
    o.callbacks.push_back({"EventLog", log});
    Trainer(std::move(o)).fit();
    BOOST_TEST((log->eval_batches == std::vector<int64_t>{5, 10}));
  }
  {
    std::vector<std::string> asked;
    auto o = with_eval("1ep", IntervalScheduler([&asked](const State&, Event e) {
                         asked.push_back(to_string(e));
                         return e == Event::FIT_END;
                       }));
    auto log = std::make_shared<EventLog>([](Event) { return false; });
    o.callbacks.push_back({"EventLog", log});
    Trainer(std::move(o)).fit();
    BOOST_TEST((log->eval_batches == std::vector<int64_t>{5}));
    BOOST_TEST(asked.size() == 5u + 1u + 1u);  // every BATCH_END, the EPOCH_END and FIT_END
    BOOST_TEST(asked.back() == "fit_end");
  }
  {
    // Composer: 0 disables evaluation, the end of training included; Cairn says so.
    auto o = with_eval("1ep", Time(0, TimeUnit::EPOCH));
    auto logger = std::make_shared<WarningLogger>();
    o.logger = logger;
    auto log = std::make_shared<EventLog>(is_eval_event);
    o.callbacks.push_back({"EventLog", log});
    Trainer trainer(std::move(o));
    trainer.fit();
    BOOST_TEST(log->text.empty(), log->text);
    BOOST_TEST(contains(logger->warnings, "eval_interval is 0"), logger->warnings);
    BOOST_TEST(trainer.state().eval_metrics.at("eval").empty());
  }
}

BOOST_AUTO_TEST_CASE(bad_settings_are_refused_before_training) {
  const struct {
    SaveInterval interval;
    int64_t subset;
    const char* says;
  } cases[] = {
      {Time::parse("64sp"), -1, "eval_interval '64sp'"},
      {Time::parse("2tok"), -1, "ep, ba or dur"},
      {Time(-1, TimeUnit::BATCH), -1, "negative"},
      {Time(1, TimeUnit::EPOCH), 0, "eval_subset_num_batches is 0"},
      {Time(1, TimeUnit::EPOCH), -2, "-1 to evaluate on all"},
      {IntervalScheduler(), -1, "empty predicate"},
  };
  for (const auto& c : cases) {
    auto o = with_eval("1ep", c.interval);
    o.eval_subset_num_batches = c.subset;
    const std::string message = error_text<ConfigError>([&] { Trainer trainer(std::move(o)); });
    BOOST_TEST(contains(message, c.says), message);
  }
  // Evaluation data that does not fit the model is named as such.
  auto o = make_options("1ep");
  o.eval_dataloader = std::make_shared<TinyDataset>(6, 2, /*features=*/5);
  const std::string message = error_text<ConfigError>([&] { Trainer trainer(std::move(o)); });
  BOOST_TEST(contains(message, "the evaluation data (--eval-data)"), message);
  BOOST_TEST(contains(message, "[2, 5]"), message);
}

BOOST_AUTO_TEST_CASE(the_model_is_in_eval_mode_without_gradients_and_back_in_train_mode_after) {
  auto o = with_eval("2ep", Time::parse("2ba"));
  auto probe = std::make_shared<EvalModeProbe>();
  o.callbacks.push_back({"EvalModeProbe", probe});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(probe->checks > 0);
  BOOST_TEST(probe->problems.empty(), probe->problems);
  BOOST_TEST(trainer.state().model->module()->is_training());
}

BOOST_AUTO_TEST_CASE(training_is_bitwise_the_same_with_and_without_evaluation) {
  // TinyNet's dropout draws from the global generator in train mode, and the
  // callback draws during every evaluation batch: only an evaluation in eval
  // mode that restores the generators leaves the training batches alone.
  auto train = [](bool evaluate) {
    auto o = make_options("2ep");
    o.callbacks.push_back({"DrawsDuringEval", std::make_shared<DrawsDuringEval>()});
    if (evaluate) {
      o.eval_dataloader = make_eval_dataset();
      o.eval_interval = Time::parse("2ba");
    }
    auto model = o.model;
    Trainer trainer(std::move(o));
    trainer.fit();
    BOOST_TEST(trainer.state().eval_metrics.count("eval") == size_t(evaluate));
    std::vector<at::Tensor> weights;
    for (const auto& p : model->module()->named_parameters()) weights.push_back(p.value().detach().clone());
    return weights;
  };
  const auto without = train(false);
  const auto with = train(true);
  BOOST_REQUIRE(without.size() == with.size());
  for (size_t i = 0; i < with.size(); ++i) BOOST_TEST(at::equal(without[i], with[i]), "parameter " << i << " differs");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
