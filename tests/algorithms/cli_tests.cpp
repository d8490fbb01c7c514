// Enabling algorithms from the `cairn` command line and from a JSON config
// file, and a bad algorithm config failing before anything is written.
#include <sys/wait.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "fixtures.h"
#include "test_text.h"

namespace tt = boost::test_tools;

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int status = -1;
  std::string out, err;
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs the built `cairn` in `cwd` with `args` (no run-name variables, plugins
// from the build's plugin folder next to the binary).
CommandResult run_cairn(const std::vector<std::string>& args, const std::string& cwd) {
  std::string command = "cd " + shell_quote(cwd) + " && env -u RUN_NAME -u COMPOSER_RUN_NAME -u CAIRN_PLUGIN_PATH " +
                        shell_quote(std::string(CAIRN_TEST_BINARY_DIR) + "/bin/cairn");
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " >" + shell_quote(cwd + "/.out") + " 2>" + shell_quote(cwd + "/.err");
  const int raw = std::system(command.c_str());
  CommandResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_bytes(cwd + "/.out");
  r.err = read_bytes(cwd + "/.err");
  fs::remove(cwd + "/.out");
  fs::remove(cwd + "/.err");
  return r;
}

std::vector<std::string> inspected_algorithms(const std::string& checkpoint, const std::string& cwd) {
  const auto r = run_cairn({"inspect", "--json", checkpoint}, cwd);
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  return nlohmann::json::parse(r.out).at("algorithms").get<std::vector<std::string>>();
}

const std::vector<std::string> kFit = {"fit",    "--model", "mlp",        "--data", "synthetic",
                                       "--seed", "42",      "--run-name", "alg"};

std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(plugins_lists_the_algorithm_pack) {
  TempDir dir;
  const auto r = run_cairn({"plugins", "--json"}, dir.path());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  std::set<std::string> algorithms;
  const auto listing = nlohmann::json::parse(r.out);
  for (const auto& plugin : listing.at("plugins")) {
    for (const auto& entry : plugin.at("registered"))
      if (entry.at("kind") == "algorithm") algorithms.insert(entry.at("name").get<std::string>());
  }
  for (const char* name : {"EMA", "SWA", "GradientClipping", "LabelSmoothing", "LayerFreezing", "SAM"}) {
    BOOST_TEST(algorithms.count(name) == 1u, name << " is not listed");
  }
}

BOOST_AUTO_TEST_CASE(algorithms_from_flags_are_saved_and_resumed) {
  TempDir dir;
  const auto r = run_cairn(with(kFit, {"--max-duration", "2ep", "--save-folder", "ck", "--algorithm",
                                       R"(EMA={"half_life":"50ba"})", "--algorithm", "SAM"}),
                           dir.path());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  BOOST_TEST(inspected_algorithms("ck/latest-rank0.pt", dir.path()) == (std::vector<std::string>{"EMA", "SAM"}),
             tt::per_element());
  // Resuming with the same flags restores both without warnings about them.
  const auto resumed =
      run_cairn(with(kFit, {"--max-duration", "3ep", "--save-folder", "ck2", "--load-path", "ck/latest-rank0.pt",
                            "--algorithm", R"(EMA={"half_life":"50ba"})", "--algorithm", "SAM"}),
                dir.path());
  BOOST_TEST_REQUIRE(resumed.status == 0, resumed.err);
  BOOST_TEST(!contains(resumed.err, "starts fresh"), resumed.err);
  BOOST_TEST(inspected_algorithms("ck2/latest-rank0.pt", dir.path()) == (std::vector<std::string>{"EMA", "SAM"}),
             tt::per_element());
}

BOOST_AUTO_TEST_CASE(algorithms_from_a_config_file) {
  TempDir dir;
  const nlohmann::json config = {
      {"model", "mlp"},
      {"data", "synthetic"},
      {"seed", 1},
      {"max_duration", "1ep"},
      {"save_folder", "ck"},
      {"algorithms",
       {{{"name", "GradientClipping"}, {"config", {{"clipping_type", "norm"}, {"clipping_threshold", 1.0}}}},
        "LabelSmoothing",
        {{"name", "LayerFreezing"}, {"config", {{"freeze_start", 0.5}}}}}}};
  write_bytes(dir / "run.json", config.dump(2));
  const auto r = run_cairn({"fit", "--config", "run.json"}, dir.path());
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  BOOST_TEST(inspected_algorithms("ck/latest-rank0.pt", dir.path()) ==
                 (std::vector<std::string>{"GradientClipping", "LabelSmoothing", "LayerFreezing"}),
             tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_bad_algorithm_config_fails_before_training) {
  TempDir dir;
  const auto r =
      run_cairn(with(kFit, {"--save-folder", "ck", "--algorithm", R"(EMA={"half_life":"5xx"})"}), dir.path());
  BOOST_TEST(r.status == 2);
  BOOST_TEST(contains(r.err, "cairn: error: "), r.err);
  BOOST_TEST(contains(r.err, "algorithm 'EMA'"), r.err);
  BOOST_TEST(contains(r.err, "half_life"), r.err);
  BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
  BOOST_TEST(!fs::exists(dir / "ck"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
