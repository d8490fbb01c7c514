// JSONLLogger writes one JSON object per log call with the timestamp's
// counters, exactly the metrics the run logged, and appends on resume.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "cairn/errors.h"
#include "callback_fixture.h"
#include "test_text.h"

namespace cairn::test {
namespace {

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(jsonl_logger)

BOOST_AUTO_TEST_CASE(every_logged_metric_is_a_line_with_its_timestamp) {
  TempDir dir;
  auto o = plain_options("1ep");
  auto destination = std::make_shared<RecordingDestination>();
  o.callbacks.push_back({"", make_callback("SpeedMonitor", {{"window_size", 2}})});
  o.callbacks.push_back({"", make_callback("JSONLLogger", {{"path", dir / "{run_name}/m-{rank}.jsonl"}})});
  o.callbacks.push_back({"", destination});
  Trainer trainer(std::move(o));
  trainer.fit();
  trainer.close();

  const auto lines = read_lines(dir / "test-run/m-0.jsonl");
  BOOST_TEST_REQUIRE(lines.size() == destination->calls.size());
  BOOST_TEST(lines.size() == 10u);  // per batch: the engine's loss and SpeedMonitor's metrics
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    const auto& call = destination->calls[i];
    BOOST_TEST(line.at("epoch").get<int64_t>() == call.at.epoch);
    BOOST_TEST(line.at("batch").get<int64_t>() == call.at.batch);
    BOOST_TEST(line.at("sample").get<int64_t>() == call.at.sample);
    BOOST_TEST(line.at("token").get<int64_t>() == call.at.token);
    BOOST_TEST(line.at("batch_in_epoch").get<int64_t>() == call.at.batch_in_epoch);
    BOOST_TEST(line.at("total_wct").get<double>() == call.at.total_wct);
    BOOST_TEST(line.at("time").get<double>() > 1.5e9);  // Unix seconds
    BOOST_TEST_REQUIRE(line.at("metrics").size() == call.metrics.size());
    for (const auto& [name, value] : call.metrics) BOOST_TEST(line.at("metrics").at(name).get<double>() == value, name);
  }
  BOOST_TEST(lines.front().at("metrics").contains("wall_clock/train"));
  BOOST_TEST(lines.back().at("metrics").contains("loss/train"));
}

BOOST_AUTO_TEST_CASE(a_resumed_run_appends_to_the_file) {
  TempDir dir;
  const std::string path = dir / "metrics.jsonl";
  auto first = plain_options("1ep");
  first.save_folder = dir / "ckpt";
  first.callbacks.push_back({"JSONLLogger", make_callback("JSONLLogger", {{"path", path}})});
  {
    Trainer trainer(std::move(first));
    trainer.fit();
  }
  BOOST_TEST_REQUIRE(read_lines(path).size() == 5u);

  auto second = plain_options("2ep", /*seed=*/7);  // the count must come from the checkpoint, not a replay
  second.load_path = dir / "ckpt/ep1-ba5-rank0.pt";
  auto logger = make_callback("JSONLLogger", {{"path", path}});
  second.callbacks.push_back({"JSONLLogger", logger});
  {
    Trainer trainer(std::move(second));
    trainer.fit();
  }
  const auto lines = read_lines(path);
  BOOST_TEST_REQUIRE(lines.size() == 10u);
  for (size_t i = 0; i < lines.size(); ++i) BOOST_TEST(lines[i].at("batch").get<int64_t>() == int64_t(i + 1));
  // The count carried over from the checkpoint: 5 + 5.
  BOOST_TEST(logger->state_dict().toGenericDict().at("lines_written").toInt() == 10);
}

BOOST_AUTO_TEST_CASE(an_unwritable_path_fails_before_training) {
  TempDir dir;
  write_bytes(dir / "file", "x");  // a file where a folder is needed
  auto o = plain_options("1ep");
  o.callbacks.push_back({"", make_callback("JSONLLogger", {{"path", dir / "file/metrics.jsonl"}})});
  const std::string message = error_text<ConfigError>([&] { Trainer trainer(std::move(o)); });
  BOOST_TEST(contains(message, "JSONLLogger"), message);
  BOOST_TEST(contains(message, "file/metrics.jsonl"), message);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
