// The callback plugins through the `cairn` command: enabled with --callback
// and from a config file, their metrics in a JSONL file, their state in the
// checkpoint, and `cairn inspect` naming the plugins a checkpoint needs.
#define BOOST_TEST_MODULE cli_callback_tests
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "cli/inspect_plugins.h"
#include "cli/inspect_report.h"
#include "cli_runner.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"

namespace fs = std::filesystem;
using namespace cairn::test;

namespace {

std::vector<nlohmann::json> jsonl(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::set<std::string> names(const nlohmann::json& list) { return list.get<std::set<std::string>>(); }

const nlohmann::json* need_for(const nlohmann::json& report, const std::string& instance) {
  for (const auto& need : report.at("plugins_needed"))
    if (need.at("instance") == instance) return &need;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(callbacks_from_flags_log_to_jsonl_and_are_in_the_checkpoint) {
  TempDir dir;
  const Result r = run_cairn(
      with(kSample, {"--max-duration", "2ep", "--save-folder", "ck", "--run-name", "cb", "--callback", "SpeedMonitor",
                     "--callback", R"(JSONLLogger={"path": "logs/{run_name}.jsonl"})", "--callback",
                     R"(EarlyStopper={"monitor": "loss/train", "patience": "100ba"})"}),
      dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));

  // 256 samples in batches of 32: 8 batches per epoch; the engine's loss and
  // SpeedMonitor's wall clock are logged every batch.
  const auto lines = jsonl(dir.path() / "logs/cb.jsonl");
  BOOST_TEST(lines.size() == 32u);
  size_t with_loss = 0, with_wall_clock = 0;
  for (const auto& line : lines) {
    with_loss += line.at("metrics").contains("loss/train");
    with_wall_clock += line.at("metrics").contains("wall_clock/train");
  }
  BOOST_TEST(with_loss == 16u);
  BOOST_TEST(with_wall_clock == 16u);
  BOOST_TEST(lines.back().at("batch").get<int>() == 16);

  const nlohmann::json report = inspect_json(dir.path() / "ck/latest-rank0.pt", dir.path());
  BOOST_TEST((names(report.at("callbacks")) ==
              std::set<std::string>{"ProgressBar", "SpeedMonitor", "JSONLLogger", "EarlyStopper", "CheckpointSaver"}));
  const nlohmann::json* speed = need_for(report, "SpeedMonitor");
  BOOST_TEST_REQUIRE(speed != nullptr);
  BOOST_TEST(speed->at("loadable").get<bool>());
  BOOST_TEST(speed->at("plugin").get<std::string>() == "speed_monitor");
  BOOST_TEST(speed->at("file").get<std::string>().find("libcairn-speed_monitor.so") != std::string::npos);

  const Result text = run_cairn({"inspect", (dir.path() / "ck/latest-rank0.pt").string()}, dir.path());
  BOOST_TEST(text.out.find("callback  SpeedMonitor        loadable from speed_monitor") != std::string::npos, text.out);

  // Resuming without SpeedMonitor: a warning naming it and its key, then training.
  const Result resumed = run_cairn(with(kSample, {"--max-duration", "3ep", "--save-folder", "ck", "--run-name", "cb",
                                                  "--load-path", "ck/latest-rank0.pt", "--save-overwrite"}),
                                   dir.path());
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, describe(resumed));
  BOOST_TEST(resumed.err.find("warning: the checkpoint holds state for callbacks 'SpeedMonitor' "
                              "(state/callbacks/SpeedMonitor) but no such plugin is enabled") != std::string::npos,
             resumed.err);
}

BOOST_AUTO_TEST_CASE(callbacks_from_a_config_file_get_instance_names) {
  TempDir dir;
  std::ofstream(dir.path() / "run.json") << R"({
    "model": "mlp", "data": "synthetic", "max_duration": "3ba", "seed": 1, "save_folder": "ck",
    "callbacks": ["SpeedMonitor", {"name": "SpeedMonitor", "config": {"window_size": 2}},
                  {"name": "RuntimeEstimator", "config": {"time_unit": "minutes"}}]
  })";
  const Result r = run_cairn({"fit", "--config", "run.json"}, dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  const nlohmann::json report = inspect_json(dir.path() / "ck/latest-rank0.pt", dir.path());
  BOOST_TEST((names(report.at("callbacks")) == std::set<std::string>{"ProgressBar", "SpeedMonitor", "SpeedMonitor#2",
                                                                     "RuntimeEstimator", "CheckpointSaver"}));
  const nlohmann::json* second = need_for(report, "SpeedMonitor#2");
  BOOST_TEST_REQUIRE(second != nullptr);
  BOOST_TEST(second->at("name").get<std::string>() == "SpeedMonitor");
  BOOST_TEST(second->at("loadable").get<bool>());
}

BOOST_AUTO_TEST_CASE(a_bad_callback_config_fails_before_anything_is_written) {
  TempDir dir;
  const Result r = run_cairn(
      with(kSample, {"--save-folder", "ck", "--callback", R"(EarlyStopper={"monitor": "loss/train", "comp": "up"})"}),
      dir.path());
  BOOST_TEST(r.status == 2, describe(r));
  BOOST_TEST(r.err.find("cairn: error: ") == 0u, r.err);
  BOOST_TEST(r.err.find("EarlyStopper") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("comp") != std::string::npos, r.err);
  BOOST_TEST(!fs::exists(dir.path() / "ck"));
}

BOOST_AUTO_TEST_CASE(plugins_needed_says_which_ones_cannot_be_loaded) {
  cairn::EngineHost host;
  host.load_all({});  // the build's plugin folder, as `cairn inspect` searches it
  nlohmann::json report = {{"callbacks", {"SpeedMonitor#2", "Ghost", "ProgressBar", "CheckpointSaver"}},
                           {"algorithms", {"NoSuchAlgorithm#3"}}};
  cairn::cli::add_plugins_needed(report, host);
  const auto& needed = report.at("plugins_needed");
  BOOST_TEST_REQUIRE(needed.size() == 5u);
  BOOST_TEST(needed[0].at("name").get<std::string>() == "SpeedMonitor");
  BOOST_TEST(needed[0].at("loadable").get<bool>());
  BOOST_TEST(!needed[1].at("loadable").get<bool>());
  BOOST_TEST(needed[1].at("plugin").is_null());
  BOOST_TEST(needed[2].at("loadable").get<bool>());  // the cairn fit progress bar
  BOOST_TEST(needed[3].at("plugin").get<std::string>() == "builtin");
  BOOST_TEST(needed[4].at("kind").get<std::string>() == "algorithm");
  BOOST_TEST(needed[4].at("name").get<std::string>() == "NoSuchAlgorithm");
  BOOST_TEST(!needed[4].at("loadable").get<bool>());
  BOOST_TEST(cairn::cli::registered_name("Odd#name") == "Odd#name");
}

BOOST_AUTO_TEST_CASE(the_plugins_the_run_loaded_are_needed_too) {
  cairn::EngineHost host;
  host.load_all({});
  std::string speed_version;
  for (const auto& plugin : host.plugins())
    if (plugin.name == "speed_monitor") speed_version = plugin.version;
  BOOST_TEST_REQUIRE(!speed_version.empty());
  nlohmann::json report = {
      {"callbacks", nlohmann::json::array()},
      {"algorithms", nlohmann::json::array()},
      {"metadata",
       {{"plugins",
         {{{"name", "speed_monitor"}, {"version", speed_version}}, {{"name", "ghost"}, {"version", "9.9"}}}}}}};
  cairn::cli::add_plugins_needed(report, host);
  const auto& needed = report.at("plugins_needed");
  BOOST_TEST_REQUIRE(needed.size() == 2u);
  BOOST_TEST(needed[0].at("kind").get<std::string>() == "plugin");
  BOOST_TEST(needed[0].at("loadable").get<bool>());
  BOOST_TEST(needed[0].at("installed_version").get<std::string>() == speed_version);
  BOOST_TEST(!needed[1].at("loadable").get<bool>());
  BOOST_TEST(needed[1].at("installed_version").is_null());
}

BOOST_AUTO_TEST_CASE(inspect_shows_the_runs_plugins_as_needed_and_its_tensors) {
  TempDir dir;
  const Result r = run_cairn(with(kSample, {"--max-duration", "1ba", "--save-folder", "ck"}), dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  const Result text = run_cairn({"inspect", "ck/latest-rank0.pt"}, dir.path());
  BOOST_REQUIRE_MESSAGE(text.status == 0, describe(text));
  // The sample plugins are installed at the version the run used.
  BOOST_TEST(text.out.find("plugins   installed here: ") != std::string::npos, text.out);
  BOOST_TEST(text.out.find("mlp ") != std::string::npos, text.out);
  BOOST_TEST(text.out.find("  plugins: [") == std::string::npos, text.out);
  BOOST_TEST(text.out.find("model.0.weight") != std::string::npos, text.out);
  BOOST_TEST(text.out.find("float32") != std::string::npos, text.out);
  const nlohmann::json report = inspect_json(dir.path() / "ck/latest-rank0.pt", dir.path());
  bool mlp_needed = false;
  for (const auto& need : report.at("plugins_needed"))
    mlp_needed = mlp_needed || (need.at("kind") == "plugin" && need.at("name") == "mlp" && need.at("loadable") == true);
  BOOST_TEST(mlp_needed);

  // --tensors lists the optimizer's and rng's tensors as well.
  const Result all = run_cairn({"inspect", "ck/latest-rank0.pt", "--tensors"}, dir.path());
  BOOST_TEST(all.out.find("rng[0].torch") != std::string::npos, all.out);
  BOOST_TEST(all.out.find("--tensors lists every tensor") == std::string::npos, all.out);
}

BOOST_AUTO_TEST_CASE(cairn_plugins_lists_the_callback_pack) {
  TempDir dir;
  const Result r = run_cairn({"plugins", "--json"}, dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  const nlohmann::json report = nlohmann::json::parse(r.out);
  std::set<std::string> callbacks;
  for (const auto& plugin : report.at("plugins")) {
    for (const auto& entry : plugin.at("registered")) {
      if (entry.at("kind") == "callback") callbacks.insert(entry.at("name").get<std::string>());
    }
  }
  for (const char* name : {"SpeedMonitor", "LRMonitor", "OptimizerMonitor", "EarlyStopper", "ThresholdStopper",
                           "MemoryMonitor", "RuntimeEstimator", "JSONLLogger"}) {
    BOOST_TEST(callbacks.count(name) == 1u, name);
  }
}
