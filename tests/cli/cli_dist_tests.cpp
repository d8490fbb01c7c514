// Multi-process training through `cairn fit`: the launcher (--nproc-per-node),
// torchrun, exact resumption with 2 and 4 ranks, gradient averaging against
// one process with the whole batch, monolithic checkpoints loaded at other
// world sizes, and failures that must end every rank (a rank killed with
// SIGKILL, a failure on rank 0 only). Checkpoints are compared by Python's
// torch.load (/usr/bin/python3).
#define BOOST_TEST_MODULE cli_dist_tests
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "dist_cli.h"
#include "free_port.h"
#include "test_process.h"
#include "test_skip.h"

namespace fs = std::filesystem;
using namespace cairn::test;

namespace {

// Prints "equal" when the two checkpoints hold bitwise-equal model, optimizer,
// algorithm and scheduler state, timestamp counters and per-rank RNG states,
// else the first difference.
const char kSameTraining[] = R"(
import sys, torch
a, b = torch.load(sys.argv[1]), torch.load(sys.argv[2])
def same(x, y, where):
    if isinstance(x, torch.Tensor):
        if not (isinstance(y, torch.Tensor) and x.dtype == y.dtype and x.shape == y.shape and torch.equal(x, y)):
            sys.exit('differs at ' + where)
    elif isinstance(x, dict):
        if set(x) != set(y): sys.exit('keys differ at ' + where)
        for k in x: same(x[k], y[k], where + '/' + str(k))
    elif isinstance(x, (list, tuple)):
        if len(x) != len(y): sys.exit('lengths differ at ' + where)
        for i, (p, q) in enumerate(zip(x, y)): same(p, q, where + '/' + str(i))
    elif x != y:
        sys.exit('differs at %s: %r vs %r' % (where, x, y))
for key in ('model', 'optimizers', 'algorithms', 'schedulers'):
    same(a['state'][key], b['state'][key], 'state/' + key)
ta, tb = a['state']['timestamp']['Timestamp'], b['state']['timestamp']['Timestamp']
for key in ('epoch', 'batch', 'sample', 'batch_in_epoch', 'sample_in_epoch'):
    same(ta[key], tb[key], 'timestamp/' + key)
same(a['rng'], b['rng'], 'rng')
print('equal', len(a['rng']))
)";

// Prints the largest absolute difference between the models of two checkpoints.
const char kModelDistance[] = R"(
import sys, torch
a, b = torch.load(sys.argv[1])['state']['model'], torch.load(sys.argv[2])['state']['model']
assert set(a) == set(b), 'different keys'
print(max((a[k] - b[k]).abs().max().item() for k in a))
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(data_parallel)

// An interrupted and resumed run (mid-epoch, through autoresume) ends bitwise
// equal to the uninterrupted one, with 2 and with 4 ranks; with 2, the
// interrupted run saves asynchronously (rank 0 writes in the background while
// every rank goes on training).
BOOST_AUTO_TEST_CASE(resumed_runs_end_bitwise_equal_with_2_and_4_ranks) {
  for (const int world : {2, 4}) {
    TempDir dir;
    const int batch = 32 / world;  // 8 batches of the 256 samples per epoch
    const std::string n = std::to_string(world);
    run_checked(dist_job(batch, {"--nproc-per-node", n, "--run-name", "whole", "--save-folder", "whole",
                                 "--max-duration", "12ba", "--save-interval", "12ba"}),
                dir.path());
    auto resumable = dist_job(batch, {"--nproc-per-node", n, "--run-name", "parts", "--save-folder", "parts",
                                      "--autoresume", "--save-interval", "5ba"});
    if (world == 2) resumable.push_back("--save-async");
    run_checked(with(resumable, {"--max-duration", "5ba"}), dir.path());
    const Result resumed = run_checked(with(resumable, {"--max-duration", "12ba"}), dir.path());
    BOOST_TEST(resumed.err.find("autoresume: resuming from parts/latest-rank0.pt") != std::string::npos, resumed.err);
    // Only rank 0 writes: no file of another rank anywhere.
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
      BOOST_TEST(e.path().filename().string().find("rank1") == std::string::npos, e.path());
    }
    const std::string verdict =
        python(kSameTraining, {"whole/ep1-ba12-rank0.pt", "parts/ep1-ba12-rank0.pt"}, dir.path());
    BOOST_TEST(verdict == "equal " + n + "\n");
  }
}

// N ranks with batch B train the same model as one process with batch N*B
// (within float rounding: the sums are grouped differently).
BOOST_AUTO_TEST_CASE(averaged_gradients_match_one_process_with_the_whole_batch) {
  TempDir dir;
  const std::vector<std::string> one_epoch{"--run-name", "avg", "--max-duration", "1ep"};
  run_checked(dist_job(32, with(one_epoch, {"--save-folder", "one"})), dir.path());
  run_checked(dist_job(16, with(one_epoch, {"--save-folder", "two", "--nproc-per-node", "2"})), dir.path());
  run_checked(dist_job(8, with(one_epoch, {"--save-folder", "four", "--nproc-per-node", "4"})), dir.path());
  for (const std::string ranks : {"two", "four"}) {
    const double distance =
        std::stod(python(kModelDistance, {"one/ep1-ba8-rank0.pt", ranks + "/ep1-ba8-rank0.pt"}, dir.path()));
    BOOST_TEST(distance < 1e-5, ranks << " ranks: " << distance);
  }
  // Without averaging the ranks would not even agree with each other; and a
  // different per-rank batch is a different training (the check can fail).
  run_checked(dist_job(32, with(one_epoch, {"--save-folder", "wrong", "--nproc-per-node", "2"})), dir.path());
  BOOST_TEST(std::stod(python(kModelDistance, {"one/ep1-ba8-rank0.pt", "wrong/ep1-ba4-rank0.pt"}, dir.path())) > 1e-3);
}

// Evaluation is split over the ranks (DistributedSampler without shuffling)
// and its sums are reduced: with weights that training leaves alone (lr 0),
// each of 2 ranks logs the metrics that one process logs over the whole set.
BOOST_AUTO_TEST_CASE(evaluation_is_split_over_the_ranks_and_gives_the_job_s_metrics) {
  TempDir dir;
  for (const std::string world : {"1", "2"}) {
    run_checked(dist_job(16, {"--nproc-per-node", world, "--optimizer", "SGD={\"lr\": 0}", "--max-duration", "2ba",
                              "--eval-data", "synthetic={\"samples\": 64, \"batch_size\": 8}", "--eval-interval", "1ba",
                              "--run-name", "ev" + world, "--callback", "JSONLLogger"}),
                dir.path());
  }
  // (batch, name) -> value, from one rank's metrics file.
  auto metrics = [&](const std::string& file) {
    std::map<std::pair<int64_t, std::string>, double> found;
    std::ifstream in(dir / file);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      for (const auto& [name, value] : j.at("metrics").items()) {
        if (name.rfind("metrics/eval/", 0) == 0) found[{j.at("batch").get<int64_t>(), name}] = value.get<double>();
      }
    }
    return found;
  };
  const auto whole = metrics("ev1/metrics-rank0.jsonl");
  BOOST_REQUIRE_EQUAL(whole.size(), 4u);  // CrossEntropy and MulticlassAccuracy after batches 1 and 2
  for (const std::string rank : {"0", "1"}) {
    const auto split = metrics("ev2/metrics-rank" + rank + ".jsonl");
    BOOST_REQUIRE_EQUAL(split.size(), whole.size());
    // Each rank's batches hold other samples than one process's, so the
    // float32 batch losses round differently: equal within float32's rounding.
    for (const auto& [key, value] : whole) {
      BOOST_TEST(split.at(key) == value, boost::test_tools::tolerance(1e-6));
    }
  }
}

// A monolithic checkpoint of 2 ranks loads into 1 and into 4: every rank
// restores the RNG state it has, and the run says that resumption is not exact.
BOOST_AUTO_TEST_CASE(a_monolithic_checkpoint_loads_at_any_world_size) {
  TempDir dir;
  run_checked(dist_job(16, {"--nproc-per-node", "2", "--run-name", "two", "--save-folder", "two", "--max-duration", "4ba",
                            "--save-interval", "4ba"}),
              dir.path());
  for (const std::string world : {"1", "4"}) {
    const Result r = run_checked(dist_job(16, {"--nproc-per-node", world, "--run-name", "load" + world, "--save-folder",
                                               "load" + world, "--max-duration", "6ba", "--save-interval", "6ba",
                                               "--load-path", "two/ep0-ba4-rank0.pt"}),
                                 dir.path());
    BOOST_TEST(r.err.find("holds RNG state for 2 ranks, this run has " + world) != std::string::npos, r.err);
    // Epochs count this world's batches: 16 per epoch on one rank, 4 on four.
    BOOST_TEST(r.out.find(world == "1" ? "trained to ep0 ba6" : "trained to ep1 ba6") != std::string::npos, r.out);
  }
}

// Sharded folders (--state-dict-type sharded): a resume from one is exact, and
// a folder that 4 ranks wrote loads into 2 and into 1 rank (2 into 4) exactly
// as the monolithic checkpoint of the same step does.
BOOST_AUTO_TEST_CASE(sharded_folders_resume_exactly_and_reshard) {
  TempDir dir;
  const std::string sources = dcp_shim_folder();
  auto ranks = [](int n) { return std::vector<std::string>{"--nproc-per-node", std::to_string(n)}; };
  auto until = [](const std::string& batches, const std::string& folder, const std::string& name) {
    return std::vector<std::string>{"--max-duration", batches, "--save-interval", batches, "--save-folder", folder,
                                    "--run-name", name};
  };
  // Written by 4 ranks at batch 5, sharded and monolithic.
  run_checked(dist_job(8, with(with(ranks(4), until("5ba", "sh4", "sh4")), {"--state-dict-type", "sharded"})), dir.path());
  run_checked(dist_job(8, with(ranks(4), until("5ba", "mono4", "mono4"))), dir.path());
  BOOST_TEST(fs::is_symlink(dir / "sh4/latest-rank0.pt"));
  BOOST_TEST(fs::exists(dir / "sh4/ep0-ba5/.metadata"));
  for (int r = 0; r < 4; ++r) BOOST_TEST(fs::exists(dir / ("sh4/ep0-ba5/__" + std::to_string(r) + "_0.distcp")));
  BOOST_TEST(python(kDcpReadsModel, {"sh4/ep0-ba5", "mono4/ep0-ba5-rank0.pt", sources}, dir.path()) == "ok 6\n");
  // Loaded by 4 (a plain resume), 2 and 1 ranks, each run continued from the
  // sharded folder and from the monolithic file must end equal.
  for (const int world : {4, 2, 1}) {
    const std::string n = std::to_string(world);
    run_checked(dist_job(8, with(with(ranks(world), until("9ba", "from-sharded" + n, "a" + n)), {"--load-path", "sh4/ep0-ba5"})),
                dir.path());
    run_checked(dist_job(8, with(with(ranks(world), until("9ba", "from-mono" + n, "b" + n)),
                                 {"--load-path", "mono4/ep0-ba5-rank0.pt"})),
                dir.path());
    // 8 batches per epoch on 4 ranks, 16 on 2, 32 on 1.
    const std::string name = world == 4 ? "ep1-ba9-rank0.pt" : "ep0-ba9-rank0.pt";
    BOOST_TEST(python(kSameTraining, {"from-sharded" + n + "/" + name, "from-mono" + n + "/" + name}, dir.path()) ==
                   "equal " + n + "\n",
               world << " ranks");
  }
  // 2 -> 4, the sharded folders written in the background at every batch (so
  // each save event also waits for the one before), the file synchronously.
  run_checked(dist_job(8, with(ranks(2), {"--max-duration", "5ba", "--save-interval", "1ba", "--save-folder", "sh2",
                                          "--run-name", "sh2", "--state-dict-type", "sharded", "--save-async"})),
              dir.path());
  run_checked(dist_job(8, with(ranks(2), until("5ba", "mono2", "mono2"))), dir.path());
  for (int b = 1; b <= 5; ++b) BOOST_TEST(fs::exists(dir / ("sh2/ep0-ba" + std::to_string(b) + "/.metadata")), b);
  BOOST_TEST(fs::read_symlink(dir / "sh2/latest-rank0.pt").generic_string() == "ep0-ba5");
  BOOST_TEST(python(kDcpReadsModel, {"sh2/ep0-ba5", "mono2/ep0-ba5-rank0.pt", sources}, dir.path()) == "ok 6\n");
  run_checked(dist_job(8, with(with(ranks(4), until("9ba", "up-sharded", "c")), {"--load-path", "sh2/ep0-ba5"})), dir.path());
  run_checked(dist_job(8, with(with(ranks(4), until("9ba", "up-mono", "d")), {"--load-path", "mono2/ep0-ba5-rank0.pt"})),
              dir.path());
  BOOST_TEST(python(kSameTraining, {"up-sharded/ep1-ba9-rank0.pt", "up-mono/ep1-ba9-rank0.pt"}, dir.path()) ==
             "equal 4\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

// SIGKILL to rank 1 mid-training: the launcher stops rank 0 and exits with
// rank 1's status; the latest checkpoint is complete and loads.
BOOST_AUTO_TEST_CASE(a_killed_rank_ends_the_job_and_the_last_checkpoint_loads) {
  TempDir dir;
  std::string command = "cd " + shell_quote(dir.path().string()) + " || exit 1; " + shell_quote(cairn_path().string());
  for (const auto& a : dist_job(16, {"--nproc-per-node", "2", "--run-name", "killed", "--save-folder", "k",
                                     "--max-duration", "100000ba", "--save-interval", "3ba", "--dist-timeout", "20"})) {
    command += " " + shell_quote(a);
  }
  // Waits for a checkpoint, then kills the launcher's child that is rank 1.
  command += R"( > out.log 2> err.log & launcher=$!
    for i in $(seq 600); do [ -e k/latest-rank0.pt ] || ! kill -0 $launcher && break; sleep 0.1; done
    for child in $(cat /proc/$launcher/task/$launcher/children); do
      tr '\0' '\n' < /proc/$child/environ | grep -qx RANK=1 && kill -9 $child
    done
    wait $launcher; echo "launcher status $?")";
  const CommandResult r = run_command(command);
  const std::string err = read_file(dir / "err.log");
  BOOST_TEST_INFO("said: " << r.output << "\nstderr tail: " << err.substr(err.size() > 2000 ? err.size() - 2000 : 0));
  BOOST_TEST(r.output.find("launcher status 137") != std::string::npos);
  BOOST_TEST(err.find("cairn: error: rank 1 of 2 failed with exit status 137") != std::string::npos);
  const Result verify = run_cairn({"verify", "k/latest-rank0.pt"}, dir.path());
  BOOST_TEST(verify.status == 0, describe(verify));
  const Result loads = run_cairn(dist_job(16, {"--run-name", "after", "--max-duration", "1ba", "--load-path",
                                               "k/latest-rank0.pt", "--load-weights-only"}),
                                 dir.path(), {}, 300);
  BOOST_TEST(loads.status == 0, describe(loads));
}

// A save folder that rank 0 cannot make fails every rank at INIT with rank
// 0's reason, which the launcher repeats.
BOOST_AUTO_TEST_CASE(a_failure_on_rank_zero_fails_every_rank_with_its_reason) {
  TempDir dir;
  std::ofstream(dir / "a-file") << "not a folder";
  const Result r = run_cairn(dist_job(16, {"--nproc-per-node", "2", "--run-name", "bad", "--save-folder", "a-file",
                                           "--max-duration", "2ba"}),
                             dir.path(), {}, 300);
  BOOST_TEST(r.status == 2, describe(r));
  BOOST_TEST(r.err.find("[rank 1] cairn: error: rank 0 failed: save_folder 'a-file' is not writable") !=
                 std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("cairn: error: rank 0 of 2 failed with exit status 2: save_folder 'a-file' is not writable") !=
                 std::string::npos,
             r.err);
}

BOOST_AUTO_TEST_CASE(launcher_settings_are_checked_before_anything_starts) {
  TempDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--nproc-per-node", "2", "--nnodes", "2"}, "--nnodes 2 needs --master-port"},
      {{"--nproc-per-node", "0"}, "--nproc-per-node must be at least 1"},
      {{"--nnodes", "2", "--node-rank", "2", "--master-port", "29400"}, "--node-rank 2 is outside [0, 2)"},
      {{"--nproc-per-node", "2", "--master-port", "70000"}, "--master-port 70000 is not a port"},
      {{"--nproc-per-node", "2", "--dist-timeout", "0"}, "expected a positive number of seconds"},
  };
  for (const auto& [flags, expected] : cases) {
    const Result r = run_cairn(dist_job(16, with(flags, {"--max-duration", "1ba"})), dir.path(), {}, 120);
    BOOST_TEST(r.status == 2, describe(r));
    BOOST_TEST(r.err.find(expected) != std::string::npos, r.err);
    BOOST_TEST(r.err.find("[rank") == std::string::npos, "no rank started: " << r.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(torchrun)

// torchrun starts `cairn fit` as its ranks (with the flags that work around
// torchrun 1.13's Python 3.11 bug, distributed-notes.md: -r 1 -t 1 --log_dir).
BOOST_AUTO_TEST_CASE(torchrun_starts_cairn_fit_as_its_ranks) {
  const std::string torchrun = "/usr/bin/torchrun";
  if (!fs::exists(torchrun)) CAIRN_SKIP_TEST(torchrun << " is not installed (Debian python3-torch)");
  TempDir dir;
  std::string command = "cd " + shell_quote(dir.path().string()) + " && " + torchrun +
                        " --nproc_per_node 2 --master_port " + std::to_string(free_tcp_port()) +
                        " -r 1 -t 1 --log_dir logs --no_python " + shell_quote(cairn_path().string());
  for (const auto& a : dist_job(16, {"--run-name", "tr", "--save-folder", "tr", "--max-duration", "3ba",
                                     "--save-interval", "3ba"})) {
    command += " " + shell_quote(a);
  }
  const CommandResult r = run_command(command);
  BOOST_TEST_INFO("torchrun said: " << r.output);
  BOOST_TEST(r.status == 0);
  const std::string ranks =
      python("import torch; print(len(torch.load('tr/ep0-ba3-rank0.pt')['rng']))", {}, dir.path());
  BOOST_TEST(ranks == "2\n");
}

BOOST_AUTO_TEST_SUITE_END()
