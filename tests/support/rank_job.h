// Starts processes on loopback as the ranks of one torch.distributed job, as
// torchrun would on one machine (RANK, LOCAL_RANK, WORLD_SIZE,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT; no agent store), and waits for
// all of them:
//
//   auto ranks = cairn::test::run_ranks(2, {binary, "mode"}, dir / "logs-", {{"MY_VAR", "x"}});
//   // ranks[r].status, ranks[r].output (stdout and stderr of rank r)
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "free_port.h"
#include "temp_dir.h"

namespace cairn::test {

struct RankRun {
  int status = -1;  // the exit status; -1 when killed by a signal
  std::string output;
};

// Rank r runs `argv` (argv[0] is the program's path) with its output in
// "<log_prefix><r>.log"; `env` is added to each rank's environment.
inline std::vector<RankRun> run_ranks(int world, const std::vector<std::string>& argv, const std::string& log_prefix,
                                      const std::map<std::string, std::string>& env = {}) {
  const std::string port = std::to_string(free_tcp_port());
  std::vector<pid_t> children;
  for (int rank = 0; rank < world; ++rank) {
    const std::string log = log_prefix + std::to_string(rank) + ".log";
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(world).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", port.c_str(), 1);
      ::unsetenv("TORCHELASTIC_USE_AGENT_STORE");
      for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0) ::_exit(126);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    children.push_back(pid);
  }
  std::vector<RankRun> runs(world);
  for (int rank = 0; rank < world; ++rank) {
    int status = 0;
    ::waitpid(children[rank], &status, 0);
    runs[rank].status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    runs[rank].output = read_file(log_prefix + std::to_string(rank) + ".log");
  }
  return runs;
}

}  // namespace cairn::test
