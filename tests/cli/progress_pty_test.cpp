// `cairn fit`'s progress display in a real pseudo-terminal (tests/cli/pty_run.py),
// as a user sees it: every drawn line fits the terminal, the final state of
// each epoch is drawn, and Ctrl-C stops the run cleanly with one line saying
// where it stopped and which checkpoint is the latest.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

struct Screen {
  int status = -1;
  std::string raw;
  std::vector<std::string> lines;  // every state the line was drawn in, control characters removed
};

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Screen run_in_terminal(int columns, const std::vector<std::string>& args, const fs::path& cwd,
                       const std::string& interrupt_after = "") {
  const fs::path out = cwd / ".pty-output";
  std::string command = std::string(CAIRN_TEST_PYTHON) + " " +
                        quoted((fs::path(CAIRN_TEST_SOURCE_DIR) / "tests/cli/pty_run.py").string()) + " " +
                        std::to_string(columns) + " " + quoted(out.string()) + " " + quoted(interrupt_after) +
                        " -- " + quoted((fs::path(CAIRN_TEST_BINARY_DIR) / "bin/cairn").string());
  for (const auto& a : args) command += " " + quoted(a);
  command = "cd " + quoted(cwd.string()) + " && env -u RUN_NAME -u COMPOSER_RUN_NAME -u CAIRN_PLUGIN_PATH " + command;
  const int rc = std::system(command.c_str());
  Screen screen;
  screen.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  screen.raw = read_file(out);
  fs::remove(out);
  std::string line;
  for (size_t i = 0; i <= screen.raw.size(); ++i) {
    if (i == screen.raw.size() || screen.raw[i] == '\r' || screen.raw[i] == '\n') {
      if (!line.empty()) screen.lines.push_back(line);
      line.clear();
    } else if (screen.raw.compare(i, 3, "\033[K") == 0) {
      i += 2;
    } else {
      line += screen.raw[i];
    }
  }
  return screen;
}

bool any_line_has(const Screen& s, const std::vector<std::string>& parts) {
  for (const auto& line : s.lines) {
    bool all = true;
    for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(progress_in_a_terminal)

BOOST_AUTO_TEST_CASE(a_wide_terminal_shows_progress_rate_times_and_loss) {
  TempDir dir;
  const Screen s = run_in_terminal(200, with(kSample, {"--max-duration", "2ep"}), dir.path());
  BOOST_TEST_REQUIRE(s.status == 0, s.raw);
  // The final state of each epoch: the whole epoch, and the share of max_duration.
  BOOST_TEST(any_line_has(s, {"epoch 1/2 [##########] 8/8ba 50% of 2ep", "ba/s", "<", "loss "}), s.raw);
  BOOST_TEST(any_line_has(s, {"epoch 2/2 [##########] 8/8ba 100% of 2ep", "<00:00", "loss "}), s.raw);
}

BOOST_AUTO_TEST_CASE(a_narrow_terminal_never_wraps) {
  TempDir dir;
  const int columns = 36;
  const Screen s = run_in_terminal(columns, with(kSample, {"--max-duration", "2ep"}), dir.path());
  BOOST_TEST_REQUIRE(s.status == 0, s.raw);
  int bar_lines = 0;
  for (const auto& line : s.lines) {
    if (line.rfind("epoch ", 0) != 0) continue;  // the run's summary on stdout is not the bar
    ++bar_lines;
    BOOST_TEST(static_cast<int>(line.size()) < columns, "'" << line << "' is wider than the terminal");
  }
  BOOST_TEST(bar_lines >= 2);
  // What matters most stays: the epoch, its batches and the loss.
  BOOST_TEST(any_line_has(s, {"epoch 2/2", "8/8ba", "loss "}), s.raw);
}

BOOST_AUTO_TEST_CASE(ctrl_c_stops_cleanly_and_names_the_latest_checkpoint) {
  TempDir dir;
  const Screen s = run_in_terminal(
      120, with(kSample, {"--max-duration", "100000ep", "--save-folder", "ck", "--save-interval", "1000ep"}),
      dir.path(), "epoch 1/100000");
  BOOST_TEST(s.status == 130, s.raw);
  int said = 0;
  std::string latest;
  for (const auto& line : s.lines) {
    if (line.rfind("cairn: interrupted", 0) != 0) continue;
    ++said;
    const std::string marker = "the latest checkpoint is ";
    const size_t at = line.find(marker);
    BOOST_TEST_REQUIRE(at != std::string::npos, line);
    latest = line.substr(at + marker.size());
    BOOST_TEST(line.find("training stopped at ep") != std::string::npos, line);
  }
  BOOST_TEST(said == 1, s.raw);
  // The end-of-training checkpoint of the interrupted run, complete and readable.
  BOOST_TEST_REQUIRE(!latest.empty());
  BOOST_TEST(fs::is_regular_file(dir.path() / latest), latest);
  BOOST_TEST(inspect_json(dir.path() / "ck/latest-rank0.pt", dir.path()).at("state_keys").size() > 0u);
  BOOST_TEST(s.raw.find("Traceback") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
