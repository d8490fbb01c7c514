// Runs the built `cairn` binary with the sample plugins: training, resuming,
// config files, inspect, plugins, and bad input that must fail cleanly (one
// `cairn: error:` line, non-zero status) without touching existing checkpoints.
#define BOOST_TEST_MODULE cli_end_to_end_tests
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace fs = std::filesystem;

using namespace cairn::test;

namespace {

// Every file name in `folder` matching `pattern`.
std::vector<std::string> matching(const fs::path& folder, const std::string& pattern) {
  std::vector<std::string> names;
  const std::regex re(pattern);
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, re)) names.push_back(name);
  }
  return names;
}

// The bytes of every file, and the target of every symlink, in `folder`.
std::map<std::string, std::string> snapshot(const fs::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string name = e.path().filename().string();
    files[name] = fs::is_symlink(e.symlink_status()) ? "-> " + fs::read_symlink(e.path()).string() : read_file(e.path());
  }
  return files;
}

// A folder with a two-epoch run, trained once for the whole test program.
const fs::path& trained_run() {
  static TempDir dir;
  static bool trained = false;
  if (!trained) {
    const Result r = run_cairn(with(kSample, {"--max-duration", "2ep", "--save-folder", "checkpoints", "--run-name",
                                              "e2e", "--save-overwrite"}),
                               dir.path());
    BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
    trained = true;
  }
  return dir.path();
}

}  // namespace

BOOST_AUTO_TEST_CASE(version_and_help) {
  TempDir dir;
  const Result version = run_cairn({"--version"}, dir.path());
  BOOST_TEST(version.status == 0);
  BOOST_TEST(version.out.find("cairn ") != std::string::npos);
  BOOST_TEST(version.out.find("libtorch 1.") != std::string::npos);
  BOOST_TEST(version.out.find("abi") != std::string::npos);
  for (const char* command : {"fit", "inspect", "plugins"}) {
    const Result help = run_cairn({command, "--help"}, dir.path());
    BOOST_TEST(help.status == 0, command);
    BOOST_TEST(help.out.find(std::string("usage: cairn ") + command) != std::string::npos, command);
  }
  const Result none = run_cairn({}, dir.path());
  BOOST_TEST(none.status == 2);
  BOOST_TEST(none.err.rfind("cairn: error: ", 0) == 0);
}

BOOST_AUTO_TEST_CASE(fit_saves_every_epoch_and_links_latest) {
  const fs::path folder = trained_run() / "checkpoints";
  BOOST_TEST(matching(folder, R"(ep1-ba\d+-rank0\.pt)").size() == 1u);
  const auto ep2 = matching(folder, R"(ep2-ba\d+-rank0\.pt)");
  BOOST_REQUIRE(ep2.size() == 1u);
  const fs::path latest = folder / "latest-rank0.pt";
  BOOST_REQUIRE(fs::is_symlink(fs::symlink_status(latest)));
  const fs::path target = fs::read_symlink(latest);
  BOOST_TEST(target.is_relative(), target);
  BOOST_TEST(target.filename().string() == ep2.front());
  BOOST_TEST(fs::equivalent(latest, folder / ep2.front()));
}

BOOST_AUTO_TEST_CASE(inspect_json_reports_the_anatomy) {
  const fs::path latest = trained_run() / "checkpoints" / "latest-rank0.pt";
  const nlohmann::json r = inspect_json(latest, trained_run());
  BOOST_TEST(r.at("top_level_keys") == nlohmann::json({"state", "rng"}));
  for (const char* key : {"model", "optimizers", "schedulers", "algorithms", "callbacks", "scaler", "timestamp",
                          "rank_zero_seed", "run_name", "dataset_state", "integrations", "metadata"}) {
    BOOST_TEST((std::find(r.at("state_keys").begin(), r.at("state_keys").end(), key) != r.at("state_keys").end()),
               key);
  }
  BOOST_TEST(r.at("timestamp").at("epoch").get<int>() == 2);
  BOOST_TEST(r.at("run_name") == "e2e");
  BOOST_TEST(r.at("rank_zero_seed").get<int>() == 42);
  BOOST_TEST(!r.at("metadata").empty());
  BOOST_TEST(r.at("sections").at("model").at("tensors").get<int>() > 0);
  BOOST_TEST(r.at("sections").at("model").at("bytes").get<int>() > 0);
  BOOST_TEST(r.at("sections").at("rng").at("bytes").get<int>() > 0);

  const Result text = run_cairn({"inspect", latest.string()}, trained_run());
  BOOST_TEST(text.status == 0, describe(text));
  BOOST_TEST(text.out.find("state keys:") != std::string::npos);
  BOOST_TEST(text.out.find("run name:        e2e") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(resume_continues_to_the_third_epoch) {
  TempDir dir;
  fs::copy(trained_run() / "checkpoints", dir.path() / "checkpoints", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  const Result r = run_cairn(with(kSample, {"--max-duration", "3ep", "--save-folder", "checkpoints", "--run-name",
                                            "e2e", "--save-overwrite", "--load-path", "checkpoints/latest-rank0.pt"}),
                             dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  BOOST_TEST(matching(dir.path() / "checkpoints", R"(ep3-ba\d+-rank0\.pt)").size() == 1u);
  const nlohmann::json latest = inspect_json(dir.path() / "checkpoints" / "latest-rank0.pt", dir.path());
  BOOST_TEST(latest.at("timestamp").at("epoch").get<int>() == 3);
}

BOOST_AUTO_TEST_CASE(config_file_with_a_flag_overriding_it) {
  TempDir dir;
  std::ofstream(dir.path() / "run.json") << R"({
    "model": {"name": "mlp", "config": {}},
    "data": "synthetic",
    "max_duration": "1ep",
    "run_name": "from-config",
    "seed": 7,
    "save_folder": "cfg",
    "save_filename": "ep{epoch}.pt"
  })";
  const Result r = run_cairn({"fit", "--config", "run.json", "--max-duration", "2ep"}, dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  BOOST_TEST(fs::exists(dir.path() / "cfg" / "ep2.pt"));
  const nlohmann::json latest = inspect_json(dir.path() / "cfg" / "latest-rank0.pt", dir.path());
  BOOST_TEST(latest.at("timestamp").at("epoch").get<int>() == 2);
  BOOST_TEST(latest.at("run_name") == "from-config");
  BOOST_TEST(latest.at("rank_zero_seed").get<int>() == 7);
}

BOOST_AUTO_TEST_CASE(inspect_weights_only_and_compressed_checkpoints) {
  TempDir dir;
  const Result r = run_cairn(with(kSample, {"--save-folder", "w", "--save-weights-only", "--save-filename",
                                            "ep{epoch}.pt.gz", "--run-name", "w"}),
                             dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  const nlohmann::json w = inspect_json(dir.path() / "w" / "ep1.pt.gz", dir.path());
  BOOST_TEST(w.at("top_level_keys") == nlohmann::json({"state"}));
  BOOST_TEST(w.at("state_keys") == nlohmann::json({"model", "integrations", "metadata"}));
  BOOST_TEST(w.at("sections").at("model").at("tensors").get<int>() > 0);
  BOOST_TEST(w.at("timestamp").is_null());
}

BOOST_AUTO_TEST_CASE(checkpoint_saver_callbacks_take_composers_arguments) {
  TempDir dir;
  const Result r = run_cairn(
      with(kSample, {"--max-duration", "2ep", "--run-name", "savers", "--callback",
                     R"(CheckpointSaver={"folder": "full", "save_interval": "2ep", "overwrite": true})", "--callback",
                     R"(CheckpointSaver={"folder": "weights", "filename": "w{epoch}.pt", "weights_only": true})"}),
      dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  BOOST_TEST(matching(dir.path() / "full", R"(ep1-.*\.pt)").empty());  // every 2 epochs only
  BOOST_TEST(matching(dir.path() / "full", R"(ep2-ba\d+-rank0\.pt)").size() == 1u);
  const nlohmann::json w = inspect_json(dir.path() / "weights" / "w1.pt", dir.path());
  BOOST_TEST(w.at("top_level_keys") == nlohmann::json({"state"}));
  BOOST_TEST(fs::exists(dir.path() / "weights" / "w2.pt"));

  const Result bad = run_cairn(with(kSample, {"--callback", R"(CheckpointSaver={"folder": "x", "overwrit": true})"}),
                               dir.path());
  BOOST_TEST(bad.status == 2, describe(bad));
  BOOST_TEST(bad.err.find("overwrit") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(plugins_lists_the_samples) {
  TempDir dir;
  const Result r = run_cairn({"plugins", "--json"}, dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  const nlohmann::json report = nlohmann::json::parse(r.out);
  std::vector<std::string> registered;
  for (const auto& plugin : report.at("plugins")) {
    BOOST_TEST(!plugin.at("file").get<std::string>().empty());
    for (const auto& entry : plugin.at("registered")) registered.push_back(entry.at("name").get<std::string>());
  }
  for (const char* name : {"mlp", "synthetic", "csv", "CheckpointSaver"}) {
    BOOST_TEST((std::find(registered.begin(), registered.end(), name) != registered.end()), name);
  }
  const Result text = run_cairn({"plugins"}, dir.path());
  BOOST_TEST(text.status == 0);
  BOOST_TEST(text.out.find("mlp") != std::string::npos);

  // A broken file in an extra folder is reported, and the rest still load.
  fs::create_directory(dir.path() / "extra");
  std::ofstream(dir.path() / "extra" / "libcairn-broken.so") << "not a shared library";
  const Result broken = run_cairn({"plugins", "--json", "--plugin-dir", "extra"}, dir.path());
  BOOST_REQUIRE_MESSAGE(broken.status == 0, describe(broken));
  const nlohmann::json with_broken = nlohmann::json::parse(broken.out);
  BOOST_TEST(with_broken.at("plugins").size() == report.at("plugins").size());
  BOOST_REQUIRE(with_broken.at("failures").size() == 1u);
  BOOST_TEST(with_broken.at("failures")[0].at("file").get<std::string>().find("libcairn-broken.so") !=
             std::string::npos);

  // fit names the plugin files that failed when it cannot find a name.
  const Result unknown = run_cairn({"fit", "--plugin-dir", "extra", "--model", "nosuchmodel", "--data", "synthetic"},
                                   dir.path());
  BOOST_TEST(unknown.status == 2);
  BOOST_TEST(unknown.err.find("nosuchmodel") != std::string::npos, unknown.err);
  BOOST_TEST(unknown.err.find("failed to load") != std::string::npos, unknown.err);
  BOOST_TEST(std::count(unknown.err.begin(), unknown.err.end(), '\n') == 1, unknown.err);
}

BOOST_AUTO_TEST_CASE(bad_input_fails_cleanly_and_leaves_checkpoints_alone) {
  TempDir dir;
  fs::copy(trained_run() / "checkpoints", dir.path() / "checkpoints", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  const fs::path folder = dir.path() / "checkpoints";
  const std::string ep1 = matching(folder, R"(ep1-ba\d+-rank0\.pt)").at(0);
  {
    const std::string bytes = read_file(folder / ep1);
    std::ofstream(dir.path() / "truncated.pt", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    std::mt19937 gen(1);
    std::string noise(4096, '\0');
    for (auto& c : noise) c = static_cast<char>(gen());
    std::ofstream(dir.path() / "random.pt", std::ios::binary) << noise;
    std::ofstream(dir.path() / "a-file") << "x";
    std::ofstream(dir.path() / "unknown-key.json") << R"({"model": "mlp", "data": "synthetic", "save_foldr": "x"})";
  }
  const std::vector<std::string> save = {"--save-folder", "checkpoints", "--run-name", "e2e", "--save-overwrite"};

  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> mentions;  // what the error line must name
    int status;                         // 0: any non-zero
  };
  const std::vector<Case> cases = {
      {with({"fit", "--model", "nosuchmodel", "--data", "synthetic"}, save), {"nosuchmodel"}, 2},
      {with(with(kSample, save), {"--callback", "NoSuchCallback"}), {"NoSuchCallback"}, 2},
      {with(with(kSample, save), {"--algorithm", "NoSuchAlgorithm"}), {"NoSuchAlgorithm"}, 2},
      {with({"fit", "--model", "mlp={\"hidden\": ", "--data", "synthetic"}, save), {"--model", "JSON"}, 2},
      {with({"fit", "--model", "mlp={\"no_such_field\": 1}", "--data", "synthetic"}, save), {"no_such_field"}, 2},
      {with(with(kSample, save), {"--max-duration", "10xyz"}), {"10xyz"}, 2},
      {with(with(kSample, save), {"--save-filename", "x.pt.unknown"}), {"x.pt.unknown"}, 0},
      {with(kSample, {"--save-folder", "a-file/sub", "--save-overwrite"}), {"a-file"}, 0},
      {with(with(kSample, save), {"--load-path", "missing.pt"}), {"missing.pt"}, 1},
      {with(with(kSample, save), {"--load-path", "truncated.pt"}), {"truncated.pt"}, 1},
      {with(with(kSample, save), {"--load-path", "random.pt"}), {"random.pt"}, 1},
      {with(kSample, {"--save-folder", "checkpoints", "--autoresume"}), {"run_name"}, 0},
      {with(kSample, {"--run-name", "e2e", "--autoresume"}), {"save_folder"}, 0},
      {{"fit", "--config", "unknown-key.json"}, {"save_foldr"}, 2},
      {with(kSample, {"--no-such-flag"}), {"no-such-flag"}, 2},
      {{"inspect", "missing.pt"}, {"missing.pt"}, 1},
      {{"inspect", "random.pt"}, {"random.pt"}, 1},
  };

  const auto before = snapshot(folder);
  BOOST_REQUIRE(before.size() >= 3u);
  for (const auto& c : cases) {
    std::string command;
    for (const auto& a : c.args) command += a + " ";
    BOOST_TEST_CONTEXT("cairn " << command) {
      const Result r = run_cairn(c.args, dir.path());
      if (c.status == 0) {
        BOOST_TEST(r.status != 0);
      } else {
        BOOST_TEST(r.status == c.status);
      }
      BOOST_TEST(r.err.rfind("cairn: error: ", 0) == 0, r.err);
      BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
      for (const auto& m : c.mentions) BOOST_TEST(r.err.find(m) != std::string::npos, m << " in " << r.err);
      BOOST_TEST((snapshot(folder) == before));
    }
  }
}
