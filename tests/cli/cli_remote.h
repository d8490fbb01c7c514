// Helpers shared by the end-to-end tests of remote checkpointing, one file
// per store (cli_s3_tests.cpp, cli_gcs_tests.cpp): shell quoting, what
// `cairn ls` lists, the checkpoints a run kept locally, and Python's torch.load
// comparing two checkpoints' weights.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "cli_runner.h"

namespace cairn::test {

inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a command line; its status.
inline int run_shell(const std::string& command) { return std::system(command.c_str()); }

// The object names `cairn ls URI` prints (each line: size, then name).
inline std::vector<std::string> listed_names(const std::string& uri, const std::filesystem::path& cwd,
                                             const std::map<std::string, std::string>& env = {}) {
  const Result r = run_cairn({"ls", uri}, cwd, env);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  std::vector<std::string> names;
  std::istringstream lines(r.out);
  std::string size, name;
  while (lines >> size >> name) names.push_back(name);
  return names;
}

// state['model'] of two checkpoints is bitwise equal, as Python's torch.load sees it.
inline bool same_model_in_python(const std::filesystem::path& a, const std::filesystem::path& b) {
  const std::string script =
      "import sys, torch\n"
      "a = torch.load(sys.argv[1])['state']['model']; b = torch.load(sys.argv[2])['state']['model']\n"
      "assert a.keys() == b.keys(), (a.keys(), b.keys())\n"
      "sys.exit(0 if all(torch.equal(a[k], b[k]) for k in a) else 1)\n";
  return run_shell(std::string(CAIRN_TEST_PYTHON) + " -c " + shell_quote(script) + " " + shell_quote(a.string()) +
                   " " + shell_quote(b.string())) == 0;
}

// The checkpoint files (not the latest pointer) below `folder`: name -> path.
inline std::map<std::string, std::filesystem::path> local_checkpoints(const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  std::map<std::string, fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (e.is_regular_file() && e.path().extension() == ".pt" && !fs::is_symlink(e.path()) &&
        e.path().filename().string().rfind("ep", 0) == 0) {
      files.emplace(e.path().filename().string(), e.path());
    }
  }
  return files;
}

}  // namespace cairn::test
