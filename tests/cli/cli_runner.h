// Runs the built `cairn` binary for the end-to-end tests: a fresh temporary
// folder per test, and the command's status, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cairn::test {

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::filesystem::path& path);

// Runs cairn with `args` in `cwd`, without the run-name variables that would
// change its behaviour.
Result run_cairn(const std::vector<std::string>& args, const std::filesystem::path& cwd);

std::string describe(const Result& r);

struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
};

}  // namespace cairn::test
