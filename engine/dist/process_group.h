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

#include "cairn/collectives.h"
#include "dist/rendezvous_options.h"

namespace cairn::dist {

using cairn::ReduceOp;

class ProcessGroup final : public Collectives {
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

  // Collectives (cairn/collectives.h says what each does). Buckets hold at
  // most `bucket_bytes` of one dtype; a bigger tensor goes alone.
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void broadcast(std::vector<at::Tensor>& tensors, int root = 0) override;
  void allreduce(std::vector<at::Tensor>& tensors, ReduceOp op = ReduceOp::kSum) override;
  void allreduce_bucketed(std::vector<at::Tensor>& tensors, ReduceOp op = ReduceOp::kSum,
                          size_t bucket_bytes = size_t(25) << 20) override;
  std::vector<std::string> allgather_bytes(const std::string& mine) override;
  std::string broadcast_bytes(const std::string& bytes) override;
  void barrier() override;
  // As broadcast, in buckets as allreduce_bucketed: the start of a run sends
  // every parameter and buffer at once.
  void broadcast_bucketed(std::vector<at::Tensor>& tensors, int root = 0, size_t bucket_bytes = size_t(25) << 20);

 private:
  struct Impl;
  int rank_ = 0;
  int size_ = 1;
  std::unique_ptr<Impl> impl_;  // null in a world of one
};

// The process group `RendezvousOptions::from_environment(timeout)` describes.
std::unique_ptr<ProcessGroup> join_from_environment(std::chrono::milliseconds timeout = kDefaultDistTimeout);

}  // namespace cairn::dist
