// Evaluation through `cairn fit`: --eval-data, --eval-interval and
// --eval-subset-num-batches end to end (a line per evaluation, the metrics in
// the JSONL log and in the checkpoint, a stopper watching them), and bad
// values refused with one line before training.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli_runner.h"

namespace fs = std::filesystem;
using namespace cairn::test;

namespace {

std::vector<nlohmann::json> jsonl_lines(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_evaluation)

BOOST_AUTO_TEST_CASE(fit_evaluates_logs_saves_and_stops_on_an_evaluation_metric) {
  TempDir dir;
  // 256 training samples in batches of 32 (8 per epoch); evaluated every 4
  // batches on 64 samples (2 batches), of which the subset takes 1.
  const Result r = run_cairn(
      with(kSample, {"--max-duration", "3ep", "--eval-data", R"(synthetic={"samples": 64})", "--eval-interval",
                     "4ba", "--eval-subset-num-batches", "1", "--save-folder", "ck", "--run-name", "ev",
                     "--callback", R"(JSONLLogger={"path": "m.jsonl"})", "--callback",
                     R"(ThresholdStopper={"monitor": "MulticlassAccuracy", "dataloader_label": "eval",
                                          "threshold": 0.99})"}),
      dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));

  // The stopper stopped at the first evaluation whose accuracy passed 0.99.
  std::vector<std::pair<int64_t, double>> accuracy;  // (batch, value)
  for (const auto& line : jsonl_lines(dir.path() / "m.jsonl")) {
    const auto& m = line.at("metrics");
    if (!m.contains("metrics/eval/MulticlassAccuracy")) continue;
    BOOST_TEST(m.contains("metrics/eval/CrossEntropy"));
    accuracy.emplace_back(line.at("batch").get<int64_t>(), m.at("metrics/eval/MulticlassAccuracy").get<double>());
  }
  BOOST_REQUIRE(!accuracy.empty());
  for (size_t i = 0; i < accuracy.size(); ++i) {
    BOOST_TEST(accuracy[i].first == int64_t(4 * (i + 1)));
    BOOST_TEST((accuracy[i].second > 0.99) == (i + 1 == accuracy.size()), "evaluation " << i);
  }
  const int64_t stopped_at = accuracy.back().first;
  BOOST_TEST(stopped_at < 24);
  BOOST_TEST(r.out.find("trained to ep" + std::to_string(stopped_at / 8) + " ba" + std::to_string(stopped_at)) !=
                 std::string::npos,
             r.out);
  // A line per evaluation on stderr, as the progress bar shows them.
  BOOST_TEST(count_of(r.err, "eval at ep") == accuracy.size(), r.err);
  BOOST_TEST(r.err.find("eval at ep0 ba4: CrossEntropy ") != std::string::npos, r.err);

  // The last checkpoint holds that evaluation's metrics, as torch.load reads them.
  const std::string script =
      "import json, sys, torch\n"
      "print(json.dumps(torch.load(sys.argv[1], map_location='cpu')['state']['eval_metrics']))\n";
  const Result py = run_program({CAIRN_TEST_PYTHON, "-c", script, "ck/latest-rank0.pt"}, dir.path());
  BOOST_REQUIRE_MESSAGE(py.status == 0, describe(py));
  const auto stored = nlohmann::json::parse(py.out).at("eval");
  BOOST_TEST(stored.at("MulticlassAccuracy").get<double>() == accuracy.back().second);
  BOOST_TEST(stored.size() == 2u);
}

BOOST_AUTO_TEST_CASE(bad_evaluation_settings_fail_with_one_line) {
  TempDir dir;
  std::ofstream(dir.path() / "run.json") << R"({"model": "mlp", "data": "synthetic", "eval_interval": 2})";
  const struct {
    std::vector<std::string> args;
    std::vector<std::string> mentions;
  } cases[] = {
      {{"--eval-data", "synthetic", "--eval-interval", "64sp"}, {"--eval-interval", "64sp", "ep, ba or dur"}},
      {{"--eval-data", "synthetic", "--eval-subset-num-batches", "0"}, {"--eval-subset-num-batches", "-1"}},
      {{"--eval-interval", "2"}, {"--eval-interval", "--eval-data"}},
      {{"--eval-data", "nosuchdata"}, {"--eval-data", "nosuchdata"}},
      {{"--eval-data", R"(synthetic={"samples": 0})"}, {"--eval-data", "samples"}},
      {{"--eval-data", R"(synthetic={"features": 8})"}, {"the evaluation data (--eval-data)", "[32, 8]"}},
      {{"--callback", R"(EarlyStopper={"monitor": "MulticlassAccuracy", "dataloader_label": "eval"})"},
       {"EarlyStopper", "dataloader_label", "--eval-data"}},
  };
  for (const auto& c : cases) {
    std::string command;
    for (const auto& a : c.args) command += a + " ";
    BOOST_TEST_CONTEXT("cairn fit ... " << command) {
      const Result r = run_cairn(with(with(kSample, {"--save-folder", "ck"}), c.args), dir.path());
      BOOST_TEST(r.status == 2, describe(r));
      BOOST_TEST(r.err.rfind("cairn: error: ", 0) == 0u, r.err);
      BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
      for (const auto& m : c.mentions) BOOST_TEST(r.err.find(m) != std::string::npos, m << " in " << r.err);
      BOOST_TEST(!fs::exists(dir.path() / "ck/latest-rank0.pt"));
    }
  }
  const Result from_file = run_cairn({"fit", "--config", "run.json"}, dir.path());
  BOOST_TEST(from_file.status == 2, describe(from_file));
  BOOST_TEST(from_file.err.find("'eval_interval' in run.json") != std::string::npos, from_file.err);
}

BOOST_AUTO_TEST_CASE(help_lists_the_evaluation_flags) {
  TempDir dir;
  const Result r = run_cairn({"fit", "--help"}, dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  for (const char* flag : {"--eval-data NAME[=JSON]", "--eval-interval TIME", "--eval-subset-num-batches N"}) {
    BOOST_TEST(r.out.find(flag) != std::string::npos, flag << " in " << r.out);
  }
}

BOOST_AUTO_TEST_SUITE_END()
