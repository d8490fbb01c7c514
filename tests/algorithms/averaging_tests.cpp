// EMA and SWA against averages computed here from the weights the model had
// after each batch, and their config errors.
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "algorithm_fixtures.h"
#include "test_text.h"

namespace tt = boost::test_tools;

namespace cairn::test {
namespace {

using Weights = std::map<std::string, torch::Tensor>;

// Trains `options` with `algorithm` enabled as `name`; returns the weights
// after every batch (index 0 = after batch 1), as callbacks see them at `at`.
std::vector<Weights> train_recording(TrainerOptions options, const std::string& name,
                                     const std::shared_ptr<Algorithm>& algorithm, Weights* final_weights = nullptr,
                                     std::vector<double>* lrs = nullptr, Event at = Event::BATCH_END) {
  std::vector<Weights> seen;
  options.callbacks.push_back({"Recorder", std::make_shared<EventRecorder>(at, [&](State& s) {
                                 seen.push_back(snapshot_weights(s));
                                 if (lrs)
                                   lrs->push_back(s.optimizers.front()->param_groups().front().options().get_lr());
                               })});
  options.algorithms.push_back({name, algorithm});
  Trainer trainer(std::move(options));
  trainer.fit();
  if (final_weights) *final_weights = snapshot_weights(trainer.state());
  return seen;
}

Weights dict_weights(const c10::IValue& dict) {
  Weights out;
  for (const auto& item : dict.toGenericDict()) out[item.key().toStringRef()] = item.value().toTensor();
  return out;
}

void check_equal(const Weights& actual, const Weights& expected, const std::string& what) {
  BOOST_TEST_REQUIRE(actual.size() == expected.size(),
                     what << ": " << actual.size() << " tensors, expected " << expected.size());
  for (const auto& [name, tensor] : expected) {
    BOOST_TEST_REQUIRE(actual.count(name) == 1, what << ": no " << name);
    BOOST_TEST(tensors_equal(actual.at(name), tensor), what << ": " << name << " differs");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(averaging)

BOOST_AUTO_TEST_CASE(ema_equals_a_hand_computed_average) {
  struct Case {
    nlohmann::json config;
    int64_t start_batch, interval;
    double half_life;
  };
  for (const Case& c : {Case{{{"half_life", "2ba"}}, 1, 1, 2.0},
                        Case{{{"half_life", "4ba"}, {"update_interval", "2ba"}, {"ema_start", "4ba"}}, 4, 2, 4.0}}) {
    BOOST_TEST_CONTEXT("EMA " << c.config.dump()) {
      auto ema = make_algorithm("EMA", c.config);
      Weights final_weights;
      const auto seen = train_recording(plain_options("2ep"), "EMA", ema, &final_weights);
      BOOST_TEST_REQUIRE(seen.size() == 10u);

      // Composer's compute_ema, restarted from the weights when ema_start is reached.
      const double s = std::pow(2.0, -(double(c.interval) / c.half_life));
      Weights reference;
      int64_t updates = 0;
      for (size_t i = 0; i < seen.size(); ++i) {
        const int64_t batch = int64_t(i) + 1;
        if (batch == c.start_batch) {
          for (const auto& [k, w] : seen[i]) reference[k] = w.clone();
        }
        if (batch >= c.start_batch && batch % c.interval == 0) {
          for (auto& [k, e] : reference) e = e * s + (1.0 - s) * seen[i].at(k);
          ++updates;
        }
      }
      const auto state = ema->state_dict().toGenericDict();
      check_equal(dict_weights(state.at("ema_model")), reference, "ema_model");
      // After fit the model holds the EMA weights; the training weights are kept.
      check_equal(final_weights, reference, "model after fit");
      BOOST_TEST(state.at("ema_weights_active").toBool());
      check_equal(dict_weights(state.at("training_model")), seen.back(), "training_model");
      BOOST_TEST(state.at("num_updates").toInt() == updates);
      BOOST_TEST(state.at("smoothing").toDouble() == s);
      // And the weights really moved, so the comparison can fail.
      BOOST_TEST(!tensors_equal(reference.at("fc1.weight"), seen.back().at("fc1.weight")));
    }
  }
}

BOOST_AUTO_TEST_CASE(ema_checkpoints_hold_the_ema_weights_as_the_model) {
  TempDir dir;
  auto options = plain_options("1ep");
  options.save_folder = dir / "ck";
  options.save_interval = Time::parse("1ba");
  auto ema = make_algorithm("EMA", {{"smoothing", 0.5}});
  std::vector<Weights> ema_at_checkpoint;
  options.callbacks.push_back({"Recorder", std::make_shared<EventRecorder>(Event::BATCH_CHECKPOINT, [&](State& s) {
                                 ema_at_checkpoint.push_back(snapshot_weights(s));
                               })});
  options.algorithms.push_back({"EMA", ema});
  Trainer trainer(std::move(options));
  trainer.fit();
  BOOST_TEST_REQUIRE(ema_at_checkpoint.size() == 5u);
  const auto state = ema->state_dict().toGenericDict();
  check_equal(ema_at_checkpoint.back(), dict_weights(state.at("ema_model")), "model at BATCH_CHECKPOINT");
}

BOOST_AUTO_TEST_CASE(ema_config_errors_name_the_field) {
  const struct {
    nlohmann::json config;
    std::string field, detail;
  } cases[] = {
      {{{"half_life", "10ba"}, {"smoothing", 0.9}}, "smoothing", "half_life"},
      {{{"half_life", "10sp"}}, "half_life", "ba, ep"},
      {{{"half_life", "ten"}}, "half_life", "ten"},
      {{{"half_life", "10ba"}, {"update_interval", "1ep"}}, "update_interval", "same unit"},
      {{{"half_life", nullptr}, {"smoothing", 1.5}}, "smoothing", "(0, 1)"},
      {{{"half_life", nullptr}}, "half_life", "smoothing"},
      {{{"ema_start", "5sp"}}, "ema_start", "dur"},
      {{{"halflife", "5ba"}}, "halflife", "unknown"},
  };
  for (const auto& c : cases) {
    const std::string message = algorithm_config_error("EMA", c.config);
    BOOST_TEST(contains(message, "algorithm 'EMA'"), message);
    BOOST_TEST(contains(message, c.field), message);
    BOOST_TEST(contains(message, c.detail), message);
  }
  BOOST_TEST(make_algorithm("EMA", {{"half_life", nullptr}, {"smoothing", 0.99}}) != nullptr);
}

BOOST_AUTO_TEST_CASE(swa_average_is_the_mean_of_the_snapshots) {
  auto swa = make_algorithm("SWA", {{"swa_start", "3ba"},
                                    {"swa_end", "8ba"},
                                    {"update_interval", "1ba"},
                                    {"schedule_swa_lr", true},
                                    {"swa_lr", 0.001},
                                    {"anneal_steps", 2}});
  Weights final_weights;
  std::vector<double> lrs;
  // Right after each optimizer step: the weights SWA averages at BATCH_END.
  const auto seen =
      train_recording(plain_options("2ep", 0.1), "SWA", swa, &final_weights, &lrs, Event::AFTER_TRAIN_BATCH);
  BOOST_TEST_REQUIRE(seen.size() == 10u);

  // Parameters only, as torch's AveragedModel; snapshots after batches 3..8.
  Weights mean;
  for (const auto& [k, w] : seen[2]) {
    if (k.find("weight") == std::string::npos && k.find("bias") == std::string::npos) continue;
    torch::Tensor sum = torch::zeros_like(w);
    for (size_t i = 2; i < 8; ++i) sum += seen[i].at(k);
    mean[k] = sum / 6.0;
  }
  const auto state = swa->state_dict().toGenericDict();
  BOOST_TEST(state.at("n_averaged").toInt() == 6);
  BOOST_TEST(state.at("swa_completed").toBool());
  const Weights averaged = dict_weights(state.at("swa_model"));
  for (const auto& [k, m] : mean) {
    BOOST_TEST(tensors_close(averaged.at(k), m), k);
    // At swa_end the model gets the average, and keeps it to the end: the
    // optimizer steps of batches 9 and 10 are undone.
    BOOST_TEST(tensors_equal(seen[8].at(k), averaged.at(k)), k);
    BOOST_TEST(tensors_equal(seen[9].at(k), averaged.at(k)), k);
    BOOST_TEST(tensors_equal(final_weights.at(k), averaged.at(k)), k);
    BOOST_TEST(!tensors_close(seen[6].at(k), m), k << ": the snapshots must differ from their mean");
  }
  // SWALR, linear over 2 steps from 0.1 to 0.001, stepped after each update
  // (from batch 3's BATCH_END on, so batch 4 trains with the first new LR).
  const std::vector<double> expected_lrs = {0.1, 0.1, 0.1, 0.1 * 0.5 + 0.001 * 0.5, 0.001, 0.001};
  for (size_t i = 0; i < expected_lrs.size(); ++i) BOOST_TEST(lrs[i] == expected_lrs[i], tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(swa_config_errors_name_the_field) {
  const struct {
    nlohmann::json config;
    std::string field, detail;
  } cases[] = {
      {{{"swa_start", "0.5dur"}, {"swa_end", "3ep"}}, "swa_end", "same unit"},
      {{{"swa_start", "0.9dur"}, {"swa_end", "0.5dur"}}, "swa_end", "later than"},
      {{{"anneal_strategy", "exp"}}, "anneal_strategy", "cos"},
      {{{"anneal_steps", 0}}, "anneal_steps", "greater than 0"},
      {{{"update_interval", "0.5dur"}}, "update_interval", "ep, ba"},
      {{{"swa_lr", -1}}, "swa_lr", "greater than 0"},
  };
  for (const auto& c : cases) {
    const std::string message = algorithm_config_error("SWA", c.config);
    BOOST_TEST(contains(message, "algorithm 'SWA'"), message);
    BOOST_TEST(contains(message, c.field), message);
    BOOST_TEST(contains(message, c.detail), message);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
