// `cairn fit --nproc-per-node N`: starts the ranks of a multi-process job on
// this machine, as Composer's `composer -n N` and torchrun do, so that one
// command trains on several processes (and, with --nnodes, several machines).
//
// Each rank is this same `cairn fit` command, run again with torchrun's
// environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, NODE_RANK,
// MASTER_ADDR, MASTER_PORT); a process that finds RANK set is a rank and never
// launches. The launcher prefixes every line a rank prints with "[rank R] ",
// forwards SIGINT and SIGTERM to the ranks, and when one rank fails it stops
// the others (a few seconds' grace, SIGTERM, then SIGKILL) and exits with
// that rank's status and error line.
#pragma once

#include <string>
#include <vector>

namespace cairn::cli {

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;  // 0: a free port, chosen here (one machine only)

  // Whether this process should start ranks rather than train: more than one
  // process is asked for, and this process is not itself a rank.
  bool launches() const;
  // ConfigError for sizes below 1, a node rank outside [0, nnodes), a port
  // outside [0, 65535], or several machines without --master-port.
  void check() const;
};

// Runs `fit_args` (the arguments after `cairn fit`) as every rank of this
// machine and returns the job's exit status: 0 when every rank succeeded,
// else the status of the rank that failed first-hand (128 + N for a signal),
// not of one that only echoed another rank's failure or was stopped.
int launch_ranks(const LaunchOptions& options, const std::vector<std::string>& fit_args);

}  // namespace cairn::cli
