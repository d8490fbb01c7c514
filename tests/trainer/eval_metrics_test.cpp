// What an evaluation computes and keeps: ComposerClassifier's metrics against
// a hand computation on fixed data, their logged keys, state['eval_metrics']
// as Python's torch.load reads it, and eval_metrics restored on resume.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cairn/logger.h"
#include "cairn/state.h"
#include "checkpoint/io/checkpoint_file.h"
#include "fixtures.h"
#include "ivalue_compare.h"

namespace cairn::test {
namespace {

namespace tt = boost::test_tools;

// logits = inputs * w, with w = 1 kept by a learning rate of 0: the outputs
// are the inputs, so the metrics follow from the data alone.
struct ScaleImpl : torch::nn::Module {
  ScaleImpl() { w = register_parameter("w", torch::ones({1})); }
  torch::Tensor forward(torch::Tensor x) { return x * w; }
  torch::Tensor w;
};
TORCH_MODULE(Scale);

// Twice the cross-entropy: a loss that is not cross-entropy.
class DoubledLossModel : public ModuleModel<Scale> {
 public:
  DoubledLossModel() : ModuleModel<Scale>(Scale()) {}
  at::Tensor loss(const at::Tensor& outputs, const at::Tensor& targets) override {
    return 2 * Model::loss(outputs, targets);
  }
};

// A regression: the row sum of the inputs against float targets, mean squared error.
class RowSumModel : public ModuleModel<Scale> {
 public:
  RowSumModel() : ModuleModel<Scale>(Scale()) {}
  at::Tensor forward(const at::Tensor& inputs) override { return holder()->forward(inputs).sum(1); }
  at::Tensor loss(const at::Tensor& outputs, const at::Tensor& targets) override {
    return at::mse_loss(outputs, targets);
  }
};

class MetricLogger : public Logger {
 public:
  void log_metrics(const std::map<std::string, double>& metrics, const Timestamp&) override {
    for (const auto& [k, v] : metrics)
      if (k.rfind("metrics/", 0) == 0) logged[k] = v;
  }
  void info(const std::string&) override {}
  void warn(const std::string&) override {}
  std::map<std::string, double> logged;
};

// Five rows of three class scores; in batches of 2 the last batch holds one
// sample, so an average of batch means would differ from the true average.
const std::vector<std::vector<double>> kScores = {{2, 1, 0}, {0, 3, 1}, {1, 1, 4}, {5, 0, 0}, {0, 0, 1}};
const std::vector<int64_t> kClasses = {0, 2, 2, 1, 2};  // argmax right for rows 0, 2 and 4: accuracy 3/5

std::shared_ptr<FixedDataset> scores_dataset(at::Tensor targets) {
  std::vector<float> flat;
  for (const auto& row : kScores) flat.insert(flat.end(), row.begin(), row.end());
  return std::make_shared<FixedDataset>(torch::tensor(flat).reshape({5, 3}), std::move(targets), 2);
}

// One epoch of a model that does not learn, evaluated at its end.
std::map<std::string, double> evaluate_once(std::shared_ptr<Model> model, std::shared_ptr<FixedDataset> data,
                                            MetricLogger& logger) {
  TrainerOptions o;
  o.model = model;
  o.train_dataloader = data;
  o.eval_dataloader = data;
  o.max_duration = "1ep";
  o.seed = 1;
  o.optimizers = {std::make_shared<torch::optim::SGD>(model->module()->parameters(), torch::optim::SGDOptions(0.0))};
  o.logger = std::shared_ptr<Logger>(&logger, [](Logger*) {});
  Trainer trainer(std::move(o));
  trainer.fit();
  return trainer.state().eval_metrics.at("eval");
}

double hand_cross_entropy() {
  double sum = 0;
  for (size_t i = 0; i < kScores.size(); ++i) {
    double exp_sum = 0;
    for (double s : kScores[i]) exp_sum += std::exp(s);
    sum += std::log(exp_sum) - kScores[i][size_t(kClasses[i])];
  }
  return sum / double(kScores.size());
}

const std::vector<std::string> kNotComparable = {"state/timestamp/Timestamp/*_wct", "state/callbacks/CheckpointSaver*"};

// Each evaluation's metrics, in order.
class EvalRecorder : public Callback {
 public:
  void on_event(Event event, State& state) override {
    if (event == Event::EVAL_END) seen.push_back(state.eval_metrics.at(state.eval_label));
  }
  std::vector<std::map<std::string, double>> seen;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(eval_metrics)

BOOST_AUTO_TEST_CASE(cross_entropy_and_accuracy_match_a_hand_computation) {
  MetricLogger logger;
  const auto m = evaluate_once(std::make_shared<ModuleModel<Scale>>(Scale()),
                               scores_dataset(torch::tensor(kClasses, torch::kLong)), logger);
  BOOST_TEST(m.size() == 2u);
  BOOST_TEST(m.at("CrossEntropy") == hand_cross_entropy(), tt::tolerance(1e-6));
  BOOST_TEST(m.at("MulticlassAccuracy") == 0.6, tt::tolerance(1e-12));
  // Logged under Composer's keys, with the values stored.
  BOOST_TEST(logger.logged.size() == 2u);
  BOOST_TEST(logger.logged.at("metrics/eval/CrossEntropy") == m.at("CrossEntropy"));
  BOOST_TEST(logger.logged.at("metrics/eval/MulticlassAccuracy") == m.at("MulticlassAccuracy"));
}

BOOST_AUTO_TEST_CASE(a_loss_that_is_not_cross_entropy_is_called_loss) {
  MetricLogger logger;
  const auto m = evaluate_once(std::make_shared<DoubledLossModel>(),
                               scores_dataset(torch::tensor(kClasses, torch::kLong)), logger);
  BOOST_TEST(m.size() == 2u);
  BOOST_TEST(m.count("CrossEntropy") == 0u);
  BOOST_TEST(m.at("Loss") == 2 * hand_cross_entropy(), tt::tolerance(1e-6));
  BOOST_TEST(m.at("MulticlassAccuracy") == 0.6, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(a_regression_has_its_loss_and_no_accuracy) {
  // Row sums 3, 4, 6, 5, 1 against 1..5: squared errors 4, 4, 9, 1, 16.
  MetricLogger logger;
  const auto m = evaluate_once(std::make_shared<RowSumModel>(),
                               scores_dataset(torch::tensor(std::vector<float>{1, 2, 3, 4, 5})), logger);
  BOOST_TEST(m.size() == 1u);
  BOOST_TEST(m.at("Loss") == 34.0 / 5.0, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(torch_load_reads_the_metrics_of_the_evaluation_before_each_checkpoint) {
  TempDir dir;
  auto o = make_options("2ep");
  o.eval_dataloader = make_eval_dataset();
  o.save_folder = dir.path();
  auto recorder = std::make_shared<EvalRecorder>();
  o.callbacks.push_back({"EvalRecorder", recorder});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_REQUIRE(recorder->seen.size() == 2u);
  BOOST_TEST((recorder->seen[0] != recorder->seen[1]));  // the model learned in between

  const std::string script = R"PY(
import json, sys, torch
for path in sys.argv[1:]:
    state = torch.load(path, map_location="cpu")["state"]
    metrics = state["eval_metrics"]
    assert all(type(v) is float for d in metrics.values() for v in d.values()), metrics
    print(json.dumps({"eval_metrics": metrics, "eval_datasets": sorted(state["dataset_state"]["eval"])}))
)PY";
  const std::string out = run_python(script, {dir / "ep1-ba5-rank0.pt", dir / "ep2-ba10-rank0.pt"});
  std::istringstream lines(out);
  for (size_t epoch = 0; epoch < 2; ++epoch) {
    std::string line;
    BOOST_REQUIRE(std::getline(lines, line));
    const auto seen = nlohmann::json::parse(line);
    BOOST_TEST(seen.at("eval_datasets") == nlohmann::json({"eval"}));
    const auto stored = seen.at("eval_metrics").at("eval").get<std::map<std::string, double>>();
    BOOST_TEST((stored == recorder->seen[epoch]), "epoch " << epoch + 1 << ": " << line);
  }
}

BOOST_AUTO_TEST_CASE(resume_restores_eval_metrics_and_continues_as_the_uninterrupted_run) {
  TempDir dir;
  auto full = make_options("2ep");
  full.eval_dataloader = make_eval_dataset();
  full.save_folder = dir / "full";
  auto recorder = std::make_shared<EvalRecorder>();
  full.callbacks.push_back({"EvalRecorder", recorder});
  Trainer(std::move(full)).fit();
  BOOST_REQUIRE(recorder->seen.size() == 2u);

  auto resumed = make_options("2ep", /*seed=*/7);
  resumed.eval_dataloader = make_eval_dataset();
  resumed.save_folder = dir / "resumed";
  resumed.load_path = dir / "full/ep1-ba5-rank0.pt";
  resumed.callbacks.push_back({"EvalRecorder", std::make_shared<EvalRecorder>()});
  Trainer trainer(std::move(resumed));
  BOOST_TEST((trainer.state().eval_metrics.at("eval") == recorder->seen[0]));
  trainer.fit();
  const auto a = checkpoint::read_checkpoint(dir / "full/ep2-ba10-rank0.pt");
  const auto b = checkpoint::read_checkpoint(dir / "resumed/ep2-ba10-rank0.pt");
  const std::string diff = first_difference(a, b, kNotComparable);
  BOOST_TEST(diff.empty(), "the resumed run differs at " << diff);

  // A run that does not evaluate drops them, as Composer keeps only its own evaluators'.
  auto plain = make_options("2ep");
  plain.load_path = dir / "full/ep1-ba5-rank0.pt";
  Trainer without_eval(std::move(plain));
  BOOST_TEST(without_eval.state().eval_metrics.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
