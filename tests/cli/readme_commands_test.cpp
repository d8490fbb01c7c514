// Every `cairn` command README.md shows runs, so the documentation cannot
// drift from the program: the lines of ```sh blocks that start with `cairn`
// (or build/bin/cairn), and inline `cairn ...` spans that carry options and no
// placeholders (PATH, URI), and `python3` and `openssl` lines of ```sh blocks (python3 is the
// Python that has torch). They run in order in one folder, as a reader would
// type them; a ```json or ```python block introduced by a line naming
// `X.json` or `X.py` is written to that file first.
#define BOOST_TEST_MODULE readme_commands_tests
#include <boost/test/unit_test.hpp>


#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

struct Step {
  int line = 0;
  std::string command;     // for /bin/sh
  std::string file;        // or a file to write
  std::string content;
};

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string trimmed(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

bool is_cairn_command(const std::string& line) {
  return starts_with(line, "cairn ") || starts_with(line, "build/bin/cairn ") || starts_with(line, "python3 ") ||
         starts_with(line, "openssl ");  // the key pairs of the signing example
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Placeholders are written in capitals (PATH, URI, NAME[=JSON]): a synopsis, not a command.
bool has_placeholder(const std::string& command) { return std::regex_search(command, std::regex("\\b[A-Z]{2,}\\b")); }

std::vector<Step> readme_steps(const fs::path& readme) {
  std::ifstream in(readme);
  std::vector<Step> steps;
  std::string line, fence_language, previous_text, named_file, block, pending;
  bool in_fence = false;
  int number = 0, block_start = 0;
  const std::regex inline_command("`(cairn [^`]+)`");
  const std::regex file_name("`([A-Za-z0-9_./-]+\\.(json|py))`");
  while (std::getline(in, line)) {
    ++number;
    if (starts_with(trimmed(line), "```")) {
      if (!in_fence) {
        in_fence = true;
        fence_language = trimmed(line).substr(3);
        block.clear();
        block_start = number;
        std::smatch name;
        named_file = std::regex_search(previous_text, name, file_name) ? name[1].str() : "";
      } else {
        in_fence = false;
        if ((fence_language == "json" && ends_with(named_file, ".json")) ||
            (fence_language == "python" && ends_with(named_file, ".py"))) {
          steps.push_back({block_start, "", named_file, block});
        }
      }
      continue;
    }
    if (in_fence) {
      block += line + "\n";
      if (fence_language != "sh") continue;
      const std::string text = trimmed(line);
      if (!pending.empty() || is_cairn_command(text)) {
        const bool continued = !text.empty() && text.back() == '\\';
        pending += (continued ? text.substr(0, text.size() - 1) : text) + " ";
        if (!continued) {
          steps.push_back({number, pending, "", ""});
          pending.clear();
        }
      }
      continue;
    }
    if (!trimmed(line).empty()) previous_text = line;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), inline_command); it != std::sregex_iterator(); ++it) {
      const std::string command = (*it)[1].str();
      if (command.find(" -") != std::string::npos && !has_placeholder(command)) steps.push_back({number, command, "", ""});
    }
  }
  return steps;
}

Result run_shell(const std::string& command, const fs::path& cwd) {
  const std::string bin = (fs::path(CAIRN_TEST_BINARY_DIR) / "bin").string();
  const char* path = std::getenv("PATH");
  // The README's commands start in a checkout, where build/bin/cairn is the build's binary.
  std::string line = std::regex_replace(command, std::regex("^build/bin/cairn "), "cairn ");
  line = std::regex_replace(line, std::regex("^python3 "), std::string(CAIRN_TEST_PYTHON) + " ");
  return run_program({"/bin/sh", "-c", line}, cwd, {{"PATH", bin + ":" + (path ? path : "/usr/bin:/bin")}});
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_command_in_the_readme_runs) {
  const std::vector<Step> steps = readme_steps(fs::path(CAIRN_TEST_SOURCE_DIR) / "README.md");
  int commands = 0;
  TempDir dir;
  for (const Step& step : steps) {
    if (!step.file.empty()) {
      std::ofstream(dir.path() / step.file) << step.content;
      continue;
    }
    ++commands;
    const Result r = run_shell(step.command, dir.path());
    BOOST_TEST(r.status == 0, "README.md line " << step.line << ": " << step.command << "\n" << describe(r));
  }
  // The extraction itself must find the README's examples: the CheckpointSaver
  // pair, a model config, the config file run and an inspect.
  BOOST_TEST(commands >= 5, commands << " commands found");
}

BOOST_AUTO_TEST_CASE(placeholders_and_continuations_are_recognised) {
  BOOST_TEST(has_placeholder("cairn inspect PATH --json"));
  BOOST_TEST(!has_placeholder("cairn fit --config run.json --max-duration 3ep"));
  TempDir dir;
  std::ofstream(dir.path() / "README.md") << "Save as `a.json`:\n\n```json\n{\"x\": 1}\n```\n\n"
                                        << "Not `b.json`:\n\n```python\nx = 1\n```\n\n"
                                        << "As `m.py`:\n\n```python\ny = 2\n```\n\n"
                                        << "```sh\ncairn fit --model mlp \\\n  --data synthetic\ncairn x\npython3 m.py\n```\n"
                                        << "Run `cairn ls URI --json` or `cairn plugins --json`.\n";
  const std::vector<Step> steps = readme_steps(dir.path() / "README.md");
  BOOST_TEST_REQUIRE(steps.size() == 6u);
  BOOST_TEST(steps[0].file == "a.json");
  BOOST_TEST(steps[0].content == "{\"x\": 1}\n");
  BOOST_TEST(steps[1].file == "m.py");
  BOOST_TEST(steps[1].content == "y = 2\n");
  BOOST_TEST(steps[2].command == "cairn fit --model mlp  --data synthetic ");
  BOOST_TEST(steps[3].command == "cairn x ");
  BOOST_TEST(steps[4].command == "python3 m.py ");
  BOOST_TEST(steps[5].command == "cairn plugins --json");
}

}  // namespace cairn::test
