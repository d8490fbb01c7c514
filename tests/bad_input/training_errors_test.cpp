// Settings that only fail once training touches them: data that does not fit
// the model, optimizer and scheduler hyperparameters out of range, and plugin
// config values of the wrong type. Each is a usage error (status 2) in one
// line naming the flag, the field and what it takes, before anything is
// trained or saved, never LibTorch's own text ("mat1 and mat2 shapes cannot
// be multiplied", "Invalid learning rate: -1").
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>

#include "bad_input.h"

namespace cairn::test {
namespace {

struct Case {
  std::vector<std::string> args;  // --model and --data replace the sample's
  std::vector<std::string> must_name;
};

// kSample with `args`, whose --model or --data take the sample's place.
std::vector<std::string> sample_with(const std::vector<std::string>& args) {
  std::vector<std::string> out = {"fit", "--seed", "42"};
  for (const char* flag : {"--model", "--data"}) {
    if (std::find(args.begin(), args.end(), flag) == args.end()) {
      out.push_back(flag);
      out.push_back(std::string(flag) == "--model" ? "mlp" : "synthetic");
    }
  }
  return with(out, args);
}

void expect_refused_before_training(const Case& c) {
  TempDir dir;
  const Result r = run_cairn(with(sample_with(c.args), {"--save-folder", "ckpt"}), dir.path());
  expect_one_line_error(r, 2, c.must_name);
  expect_empty_or_absent(dir.path() / "ckpt");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(training_errors)

// The sample mlp takes 16 features and 4 classes.
BOOST_AUTO_TEST_CASE(data_that_does_not_fit_the_model_names_both_shapes) {
  expect_refused_before_training({{"--data", "synthetic={\"features\": 8}"}, {"--data", "[32, 8]", "size 16", "agree"}});
  expect_refused_before_training({{"--data", "synthetic={\"classes\": 8}"}, {"--data", "targets", "[32]", "classes"}});
}

BOOST_AUTO_TEST_CASE(optimizer_hyperparameters_out_of_range_name_the_field) {
  for (const Case& c : {
           Case{{"--optimizer", "SGD={\"lr\": -1}"}, {"--optimizer", "'lr'", "at least 0", "-1"}},
           Case{{"--optimizer", "sgd={\"momentum\": -0.5}"}, {"--optimizer", "'momentum'", "at least 0"}},
           Case{{"--optimizer", "sgd={\"nesterov\": true}"}, {"--optimizer", "'nesterov'", "momentum"}},
           Case{{"--optimizer", "Adam={\"betas\": [1.5, 0.999]}"}, {"--optimizer", "'betas'", "[0, 1)"}},
           Case{{"--optimizer", "AdamW={\"eps\": -1e-8}"}, {"--optimizer", "'eps'", "at least 0"}},
           Case{{"--optimizer", "RMSprop={\"alpha\": -1}"}, {"--optimizer", "'alpha'", "at least 0"}},
           Case{{"--optimizer", "Adagrad={\"lr_decay\": -1}"}, {"--optimizer", "'lr_decay'", "at least 0"}},
           Case{{"--optimizer", "adam={\"weight_decay\": -0.1}"}, {"--optimizer", "'weight_decay'", "at least 0"}},
       }) {
    expect_refused_before_training(c);
  }
}

BOOST_AUTO_TEST_CASE(optimizer_hyperparameters_in_a_config_file_name_the_key) {
  TempDir dir;
  std::ofstream(dir.path() / "run.json") << R"({"optimizer": {"name": "SGD", "config": {"lr": -1}}})";
  const Result r = run_cairn(with(kSample, {"--config", "run.json"}), dir.path());
  expect_one_line_error(r, 2, {"'optimizer' in run.json", "'lr'"});
}

BOOST_AUTO_TEST_CASE(scheduler_hyperparameters_out_of_range_name_the_field) {
  for (const Case& c : {
           Case{{"--scheduler", "LinearLR={\"start_factor\": 0}"}, {"--scheduler", "'start_factor'", "(0, 1]"}},
           Case{{"--scheduler", "LinearLR={\"end_factor\": 1.5}"}, {"--scheduler", "'end_factor'", "[0, 1]"}},
           Case{{"--scheduler", "LinearLR={\"total_iters\": 0}"}, {"--scheduler", "'total_iters'", "at least 1"}},
           Case{{"--scheduler", "StepLR={\"step_size\": 0}"}, {"--scheduler", "'step_size'", "at least 1"}},
           Case{{"--scheduler", "CosineAnnealingLR={\"t_max\": -3}"}, {"--scheduler", "'t_max'", "at least 1"}},
       }) {
    expect_refused_before_training(c);
  }
}

// Every plugin reads its JSON through cairn::Config, so one rule covers them:
// the message names the field, the type it takes and the value given.
BOOST_AUTO_TEST_CASE(config_type_errors_name_the_expected_type) {
  for (const Case& c : {
           Case{{"--model", "mlp={\"in_features\": \"16\"}"}, {"--model", "'in_features'", "an integer", "\"16\""}},
           Case{{"--data", "synthetic={\"samples\": 2.5}"}, {"--data", "'samples'", "an integer", "2.5"}},
           Case{{"--data", "synthetic={\"shuffle\": 1}"}, {"--data", "'shuffle'", "true or false", "1"}},
           Case{{"--callback", "EarlyStopper={\"monitor\": \"loss/train\", \"min_delta\": true}"},
                {"--callback", "'min_delta'", "a number", "true"}},
           Case{{"--optimizer", "SGD={\"lr\": \"0.1\"}"}, {"--optimizer", "'lr'", "a number", "\"0.1\""}},
       }) {
    expect_refused_before_training(c);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
