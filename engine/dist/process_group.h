// This process's place in a multi-process job, and the collectives Cairn uses
// on it: c10d's TCPStore for the rendezvous and ProcessGroupGloo on CPU, the
// engine PyTorch's own torch.distributed runs on.
//
// A world of one needs no network: every collective returns at once with its
// input as the result, so that the trainer can always hold a ProcessGroup.
// Every collective waits for its result; one that fails or outlasts the
// timeout (a dead or hung rank) throws cairn::Error with one line naming this
// rank, the operation and the cause. c10d's headers stay in the .cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "dist/rendezvous_options.h"

namespace cairn::dist {

enum class ReduceOp { kSum, kMin, kMax };

class ProcessGroup {
 public:
  // Joins the job `options` describes (rank 0 hosts the store unless torchrun's
  // agent does); cairn::Error when the store cannot be reached or the other
  // ranks do not arrive within the timeout.
  explicit ProcessGroup(const RendezvousOptions& options);
  // A world of one.
  ProcessGroup();
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_rank_zero() const { return rank_ == 0; }

  // Every rank's `tensors` become `root`'s (same shapes and dtypes on every rank).
  void broadcast(std::vector<at::Tensor>& tensors, int root = 0);
  // Each tensor becomes the elementwise reduction over the ranks.
  void allreduce(std::vector<at::Tensor>& tensors, ReduceOp op = ReduceOp::kSum);
  // As allreduce, for many tensors (gradients): flattened into buckets of at
  // most `bucket_bytes` per dtype (a bigger tensor goes alone), one collective
  // per bucket, as DDP does.
  void allreduce_bucketed(std::vector<at::Tensor>& tensors, ReduceOp op = ReduceOp::kSum,
                          size_t bucket_bytes = 25u << 20);
  // Every rank's bytes, indexed by rank; the lengths may differ.
  std::vector<std::string> allgather_bytes(const std::string& mine);
  // Rank 0's `bytes` on every rank (what the others pass is ignored).
  std::string broadcast_bytes(const std::string& bytes);
  void barrier();

 private:
  struct Impl;
  int rank_ = 0;
  int size_ = 1;
  std::unique_ptr<Impl> impl_;  // null in a world of one
};

// The process group `RendezvousOptions::from_environment(timeout)` describes.
std::unique_ptr<ProcessGroup> join_from_environment(std::chrono::milliseconds timeout = kDefaultDistTimeout);

}  // namespace cairn::dist
