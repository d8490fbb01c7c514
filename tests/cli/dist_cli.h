// What the multi-process `cairn fit` tests share (cli_dist_tests,
// cli_dist_remote_tests): the job they train, running it, Python's view of
// what it saved, and counting lines in the launcher's output.
#pragma once

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "test_process.h"

namespace cairn::test {

// The sample model (or `model`) and data with a per-rank batch of `batch`, and
// EMA, whose state is part of every checkpoint.
inline std::vector<std::string> dist_job(int batch, const std::vector<std::string>& more,
                                         const std::string& model = "mlp") {
  return with({"fit", "--model", model, "--data", "synthetic={\"batch_size\": " + std::to_string(batch) + "}",
               "--seed", "7", "--algorithm", "EMA={\"half_life\": \"5ba\"}"},
              more);
}

// `cairn ARGS` must succeed (within 10 minutes).
inline Result run_checked(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                          const std::map<std::string, std::string>& env = {}) {
  const Result r = run_cairn(args, cwd, env, 600);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  return r;
}

// Runs a Python script with torch (argv[1..] = `args`) and returns its stdout;
// fails the test when it fails.
inline std::string python(const std::string& script, const std::vector<std::string>& args,
                          const std::filesystem::path& cwd) {
  std::vector<std::string> argv{CAIRN_TEST_PYTHON, "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  const Result r = run_program(argv, cwd, {}, 300);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  return r.out;
}

// Python's torch 1.13 distributed-checkpoint reader (through the shim that
// makes it importable on Python 3.11, in argv[3]) loads the model of the
// sharded folder argv[1]; every tensor must equal the model of the monolithic
// checkpoint argv[2]. Prints "ok N".
inline const char kDcpReadsModel[] = R"(
import sys
sys.path.insert(0, sys.argv[3])
import dcp113_shim, torch
import torch.distributed._shard.checkpoint as dcp
model = torch.load(sys.argv[2])['state']['model']
target = {'state.model.' + k: torch.zeros_like(v) for k, v in model.items()}
dcp.load_state_dict(target, dcp.FileSystemReader(sys.argv[1]), no_dist=True)
bad = [k for k, v in model.items() if not torch.equal(target['state.model.' + k], v)]
if bad: sys.exit('differs: ' + ', '.join(bad))
print('ok', len(target))
)";

// Where the shim kDcpReadsModel imports lives.
inline std::string dcp_shim_folder() { return std::string(CAIRN_TEST_SOURCE_DIR) + "/tests/sharded"; }

inline size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace cairn::test
