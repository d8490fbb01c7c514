// The collectives of the job this process is one rank of, for the engine and
// for plugins whose work must agree across ranks (averaging gradients a
// second time, reducing a metric, deciding together to stop).
//
// One per process, as torch.distributed's default group: a process is one rank
// of one job. The trainer installs the job's collectives when it joins it;
// until then, and in a single process, collectives() is a world of one whose
// operations return their input at once, so plugin code needs no special case.
// Every operation must be called by every rank in the same order; one that
// fails or outlasts the job's dist_timeout throws cairn::Error naming the rank.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "cairn/export.h"

namespace cairn {

enum class ReduceOp { kSum, kMin, kMax };

class CAIRN_EXPORT Collectives {
 public:
  virtual ~Collectives();

  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_rank_zero() const { return rank() == 0; }

  // Every rank's `tensors` become `root`'s (same shapes and dtypes everywhere).
  virtual void broadcast(std::vector<at::Tensor>& tensors, int root = 0) = 0;
  // Each tensor becomes the elementwise reduction over the ranks.
  virtual void allreduce(std::vector<at::Tensor>& tensors, ReduceOp op = ReduceOp::kSum) = 0;
  // As allreduce, for many tensors (gradients): flattened into buckets of one
  // dtype and at most `bucket_bytes`, one collective per bucket, as DDP does.
  virtual void allreduce_bucketed(std::vector<at::Tensor>& tensors, ReduceOp op = ReduceOp::kSum,
                                  size_t bucket_bytes = size_t(25) << 20) = 0;
  // Every rank's bytes, indexed by rank; the lengths may differ.
  virtual std::vector<std::string> allgather_bytes(const std::string& mine) = 0;
  // Rank 0's `bytes` on every rank (what the others pass is ignored).
  virtual std::string broadcast_bytes(const std::string& bytes) = 0;
  virtual void barrier() = 0;
};

// The collectives of this process's job (a world of one until one is installed).
CAIRN_EXPORT Collectives& collectives();
// Makes `job` this process's collectives; null goes back to a world of one.
// The engine's trainer calls it when it joins a job.
CAIRN_EXPORT void install_collectives(std::shared_ptr<Collectives> job);

// Runs `step` on this rank, then fails every rank if it failed on any, so that
// no rank goes on to a collective that a failed rank will never join: the
// failing rank rethrows its own error; the others throw cairn::Error naming the
// lowest failing rank and its error line. Every rank must call it.
CAIRN_EXPORT void fail_together(const std::function<void()>& step);
// The same on `job` rather than the installed collectives.
CAIRN_EXPORT void fail_together(Collectives& job, const std::function<void()>& step);

// Gradients averaged over the ranks, as DDP leaves them after backward: the
// defined gradients of `parameters`, summed in buckets and divided by the world
// size. Nothing happens in a world of one.
CAIRN_EXPORT void average_gradients(const std::vector<at::Tensor>& parameters);

}  // namespace cairn
