// engine/dist: the data sampler against Python's DistributedSampler, the
// rendezvous variables, and the process group's collectives with 2 and 4 real
// processes on loopback (dist_rank.cpp is one rank), a dead and a hung rank,
// and a launch through torchrun.
#define BOOST_TEST_MODULE test_dist
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cairn/errors.h"
#include "dist/distributed_sampler.h"
#include "dist/process_group.h"
#include "dist/rendezvous_options.h"
#include "rank_job.h"
#include "scoped_env.h"
#include "temp_dir.h"
#include "test_process.h"
#include "test_skip.h"

using namespace cairn::dist;
using cairn::test::RankRun;
using cairn::test::run_ranks;

namespace {

// Starts `world` processes of `binary` (dist_rank by default) with argument
// `mode` on loopback and waits for all.
std::vector<RankRun> run_job(const TempDir& dir, int world, const std::string& mode,
                             const std::map<std::string, std::string>& extra = {},
                             const char* binary = CAIRN_DIST_RANK_BIN) {
  return run_ranks(world, {binary, mode}, dir / (mode + "-"), extra);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The message of the ConfigError that reading the rendezvous variables throws.
std::string rendezvous_error() {
  try {
    RendezvousOptions::from_environment();
  } catch (const cairn::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sampler)

// The one documented example (distributed-notes.md): 10 items, 3 ranks, rank 1.
BOOST_AUTO_TEST_CASE(documented_example) {
  DistributedSamplerOptions options;
  options.num_replicas = 3;
  options.rank = 1;
  const std::vector<int64_t> expected{1, 3, 8, 4};
  BOOST_TEST(distributed_sampler_indices(10, 0, options) == expected, boost::test_tools::per_element());
}

// Index for index what torch.utils.data.distributed.DistributedSampler yields.
BOOST_AUTO_TEST_CASE(equals_python_distributed_sampler) {
  TempDir dir;
  std::ostringstream grid;
  std::vector<std::pair<int64_t, DistributedSamplerOptions>> cases;
  std::vector<int64_t> epochs;
  for (int64_t n : {0, 1, 2, 3, 5, 10, 11, 17, 64, 1000}) {
    for (int64_t world : {1, 2, 3, 4, 7}) {
      for (uint64_t seed : {0, 42}) {
        for (int64_t epoch : {0, 3}) {
          for (bool shuffle : {true, false}) {
            for (bool drop_last : {false, true}) {
              for (int64_t rank = 0; rank < world; ++rank) {
                DistributedSamplerOptions o{world, rank, shuffle, seed, drop_last};
                cases.emplace_back(n, o);
                epochs.push_back(epoch);
                grid << n << ' ' << world << ' ' << rank << ' ' << seed << ' ' << epoch << ' ' << shuffle << ' '
                     << drop_last << '\n';
              }
            }
          }
        }
      }
    }
  }
  write_file(dir / "grid.txt", grid.str());
  write_file(dir / "oracle.py",
             "import sys\n"
             "from torch.utils.data.distributed import DistributedSampler\n"
             "for line in open(sys.argv[1]):\n"
             "    n, world, rank, seed, epoch, shuffle, drop_last = map(int, line.split())\n"
             "    s = DistributedSampler(range(n), num_replicas=world, rank=rank, shuffle=bool(shuffle),\n"
             "                           seed=seed, drop_last=bool(drop_last))\n"
             "    s.set_epoch(epoch)\n"
             "    indices = list(iter(s))\n"
             "    assert len(indices) == len(s)\n"
             "    print('i', *indices)\n");
  const auto python = cairn::test::run_command(std::string(CAIRN_TEST_PYTHON) + " " +
                                               cairn::test::shell_quote(dir / "oracle.py") + " " +
                                               cairn::test::shell_quote(dir / "grid.txt"));
  if (python.status != 0 && python.output.find("No module named 'torch'") != std::string::npos) {
    CAIRN_SKIP_TEST(CAIRN_TEST_PYTHON << " cannot import torch");
  }
  BOOST_REQUIRE_MESSAGE(python.status == 0, "Python's DistributedSampler failed: " << python.output);
  const auto lines = lines_of(python.output);
  BOOST_REQUIRE_EQUAL(lines.size(), cases.size());
  size_t differing = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::istringstream in(lines[i]);
    std::string tag;
    in >> tag;
    std::vector<int64_t> expected;
    for (int64_t index; in >> index;) expected.push_back(index);
    const auto& [n, options] = cases[i];
    const auto mine = distributed_sampler_indices(n, epochs[i], options);
    BOOST_CHECK_EQUAL(static_cast<int64_t>(mine.size()), distributed_sampler_length(n, options));
    if (mine != expected && ++differing <= 5) {
      BOOST_ERROR("sampler differs from Python for n=" << n << " world=" << options.num_replicas << " rank="
                  << options.rank << " seed=" << options.seed << " epoch=" << epochs[i] << " shuffle="
                  << options.shuffle << " drop_last=" << options.drop_last << ": Python says " << lines[i]);
    }
  }
  BOOST_TEST(differing == 0u);
}

BOOST_AUTO_TEST_CASE(rejects_a_rank_outside_the_world) {
  DistributedSamplerOptions options;
  options.num_replicas = 2;
  options.rank = 2;
  BOOST_CHECK_THROW(distributed_sampler_indices(10, 0, options), cairn::ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rendezvous)

BOOST_AUTO_TEST_CASE(nothing_set_is_a_world_of_one_without_network) {
  cairn::test::ScopedEnv env;
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "NODE_RANK", "MASTER_ADDR", "MASTER_PORT"}) {
    env.unset(name);
  }
  auto group = join_from_environment();
  BOOST_TEST(group->rank() == 0);
  BOOST_TEST(group->size() == 1);
  std::vector<at::Tensor> tensors{at::arange(4, at::kFloat)};
  group->broadcast(tensors);
  group->allreduce(tensors, ReduceOp::kMax);
  group->allreduce_bucketed(tensors);
  BOOST_TEST(at::equal(tensors[0], at::arange(4, at::kFloat)));
  const std::string bytes("a\0b", 3);
  BOOST_TEST(group->allgather_bytes(bytes) == std::vector<std::string>{bytes}, boost::test_tools::per_element());
  BOOST_TEST(group->broadcast_bytes(bytes) == bytes);
  group->barrier();
}

// Each incomplete or wrong description of the job: one line naming the variable.
BOOST_AUTO_TEST_CASE(bad_variables_name_the_variable) {
  struct Case {
    std::map<std::string, std::string> set;
    std::string names;
  };
  const std::vector<Case> cases{
      {{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "29500"}}, "MASTER_ADDR"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}}, "MASTER_PORT"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "http"}}, "MASTER_PORT='http'"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "70000"}}, "MASTER_PORT='70000'"},
      {{{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}}, "RANK=2"},
      {{{"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}}, "RANK"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "two"}}, "WORLD_SIZE"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "0"}}, "WORLD_SIZE=0"},
  };
  for (const auto& c : cases) {
    cairn::test::ScopedEnv env;
    for (const char* name : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) env.unset(name);
    for (const auto& [name, value] : c.set) env.set(name, value);
    const std::string message = rendezvous_error();
    BOOST_TEST_INFO("expected a ConfigError naming " << c.names);
    BOOST_TEST(message.find(c.names) != std::string::npos, "message: " << message);
    BOOST_TEST(message.find('\n') == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(torchrun_agent_store_and_timeout) {
  cairn::test::ScopedEnv env;
  env.set("RANK", "1").set("WORLD_SIZE", "2").set("MASTER_ADDR", "127.0.0.1").set("MASTER_PORT", "29511");
  env.set("TORCHELASTIC_USE_AGENT_STORE", "True").set("TORCHELASTIC_RESTART_COUNT", "2");
  const auto options = RendezvousOptions::from_environment(dist_timeout_from_seconds(2.5));
  BOOST_TEST(options.agent_store);
  BOOST_TEST(options.store_prefix() == "/worker/attempt_2");
  BOOST_TEST(options.master_port == 29511);
  BOOST_TEST(options.timeout.count() == 2500);
  BOOST_TEST(kDefaultDistTimeout.count() == 300000);
  BOOST_CHECK_THROW(dist_timeout_from_seconds(0), cairn::ConfigError);
  BOOST_CHECK_THROW(dist_timeout_from_seconds(-1), cairn::ConfigError);
}

// Through a real process: the whole message is one line on stderr, non-zero status.
BOOST_AUTO_TEST_CASE(missing_master_addr_fails_the_process_with_one_line) {
  TempDir dir;
  const auto result = cairn::test::run_command(
      "env -u MASTER_ADDR RANK=0 WORLD_SIZE=2 MASTER_PORT=29500 " + cairn::test::shell_quote(CAIRN_DIST_RANK_BIN) +
      " collectives");
  BOOST_TEST(result.status != 0);
  const auto lines = lines_of(result.output);
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].find("MASTER_ADDR") != std::string::npos, lines[0]);
}

// No store at MASTER_PORT: the rank gives up after dist_timeout with one line
// (c10d's own log lines included: there must be none).
BOOST_AUTO_TEST_CASE(unreachable_store_fails_with_one_line) {
  const auto result = cairn::test::run_command(
      "env RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(cairn::test::free_tcp_port()) +
      " CAIRN_TEST_DIST_TIMEOUT=2 " + cairn::test::shell_quote(CAIRN_DIST_RANK_BIN) + " collectives");
  BOOST_TEST(result.status == 1);
  const auto lines = lines_of(result.output);
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].find("rank 1 of 2: cannot reach the rendezvous store at 127.0.0.1:") != std::string::npos,
             lines[0]);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(collectives)

BOOST_AUTO_TEST_CASE(two_and_four_ranks_agree) {
  TempDir dir;
  for (int world : {2, 4}) {
    const auto results = run_job(dir, world, "collectives");
    for (int rank = 0; rank < world; ++rank) {
      BOOST_TEST_INFO("world " << world << " rank " << rank << " said: " << results[rank].output);
      BOOST_TEST(results[rank].status == 0);
      BOOST_TEST(results[rank].output.find("every collective agreed") != std::string::npos);
    }
  }
}

// A rank that is gone (exited without a word) or hung fails the others within
// dist_timeout, with one error line naming the operation and the rank.
BOOST_AUTO_TEST_CASE(dead_or_hung_rank_fails_the_others) {
  TempDir dir;
  for (const std::string mode : {"dead_rank", "hung_rank"}) {
    const auto results = run_job(dir, 2, mode, {{"CAIRN_TEST_DIST_TIMEOUT", "3"}});
    BOOST_TEST_INFO(mode << ": rank 0 said: " << results[0].output);
    BOOST_TEST(results[0].status == 1);
    const auto lines = lines_of(results[0].output);
    BOOST_REQUIRE_EQUAL(lines.size(), 1u);
    BOOST_TEST(lines[0].find("rank 0 of 2: allreduce failed") != std::string::npos);
  }
}

// cairn::Trainer on 2 and 4 ranks that start from different weights and draw
// different dropout masks on different samples (trainer_rank.cpp).
BOOST_AUTO_TEST_CASE(trainer_ranks_broadcast_average_and_count_globally) {
  TempDir dir;
  for (const int world : {2, 4}) {
    const auto results = run_job(dir, world, "trainer-" + std::to_string(world), {}, CAIRN_TRAINER_RANK_BIN);
    for (int rank = 0; rank < world; ++rank) {
      BOOST_TEST_INFO("rank " << rank << " of " << world << " said: " << results[rank].output);
      BOOST_TEST(results[rank].status == 0);
      BOOST_TEST(results[rank].output.find("parameters agree on every rank") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(torchrun_launches_the_ranks) {
  const std::string torchrun = "/usr/bin/torchrun";
  if (!std::filesystem::exists(torchrun)) CAIRN_SKIP_TEST(torchrun << " is not installed (Debian python3-torch)");
  TempDir dir;
  const auto result = cairn::test::run_command(
      "cd " + cairn::test::shell_quote(dir.path().string()) + " && " + torchrun +
      " --nproc_per_node 2 --master_port " + std::to_string(cairn::test::free_tcp_port()) + " -r 1 -t 1 --log_dir " +
      cairn::test::shell_quote(dir / "logs") + " --no_python " + cairn::test::shell_quote(CAIRN_DIST_RANK_BIN) +
      " collectives");
  BOOST_TEST_INFO("torchrun said: " << result.output);
  BOOST_TEST(result.status == 0);
  // -r 1: each rank's stdout went to a file under the log folder.
  int agreed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "logs")) {
    if (entry.is_regular_file() && read_file(entry.path().string()).find("every collective agreed") != std::string::npos) {
      ++agreed;
    }
  }
  BOOST_TEST(agreed == 2);
}

BOOST_AUTO_TEST_SUITE_END()
