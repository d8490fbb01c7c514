// Where this process sits in a (possibly multi-process) run.
//
// Read from the environment variables torchrun and Composer's launcher set:
// RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, NODE_RANK. Every file name
// and every "who writes" decision in Cairn goes through this.
#pragma once

#include <optional>

#include "cairn/export.h"

namespace cairn {

struct CAIRN_EXPORT DistInfo {
  // Empty when the variable is not set, so that name templates can leave a
  // placeholder they cannot fill as it is (as Composer does).
  std::optional<int> rank, local_rank, world_size, local_world_size, node_rank;

  static DistInfo from_environment();
  // A single process: rank 0 of 1.
  static DistInfo single_process();

  int global_rank() const { return rank.value_or(0); }
  int size() const { return world_size.value_or(1); }
  bool is_rank_zero() const { return global_rank() == 0; }
};

}  // namespace cairn
