// Runs the built `cairn` binary for the end-to-end tests: a fresh temporary
// folder per test, and the command's status, stdout and stderr.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "temp_dir.h"

namespace cairn::test {

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::filesystem::path& path);

// Runs argv[0] (a path) with `argv` in `cwd`, stdout and stderr captured,
// without the run-name variables that would change cairn's behaviour. `env`
// sets variables for this run only; an empty value unsets one. `timeout_s`
// (0: none) kills a run that would not end (SIGALRM, status 142).
Result run_program(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                   const std::map<std::string, std::string>& env = {}, unsigned timeout_s = 0);

// Runs cairn with `args` in `cwd`, without the run-name variables that would
// change its behaviour. `env` sets variables for this run only; an empty
// value unsets one. `timeout_s` (0: none) kills a run that would not end
// (SIGALRM, status 142), for cases whose old failure was an endless run.
Result run_cairn(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                 const std::map<std::string, std::string>& env = {}, unsigned timeout_s = 0);

std::string describe(const Result& r);

// The built `cairn` that run_cairn runs.
std::filesystem::path cairn_path();

// `cairn fit` on the sample plugins (mlp on synthetic data), seeded.
extern const std::vector<std::string> kSample;

// `base` followed by `more`.
std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more);

// `cairn inspect --json CHECKPOINT`, which must succeed.
nlohmann::json inspect_json(const std::filesystem::path& checkpoint, const std::filesystem::path& cwd);


}  // namespace cairn::test
