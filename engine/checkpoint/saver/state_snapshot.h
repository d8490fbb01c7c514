// The copy of an assembled checkpoint that an asynchronous save writes while
// training goes on.
//
// Its tensors live in host memory that the staging keeps and reuses from save
// to save (allocating and first touching fresh memory is the slow part of a
// copy on the machines measured), so after the first save a snapshot costs one
// memcpy per storage. Storages the caller marks as deferred (the parameters and
// the optimizer state, which change only at the next optimizer step or when an
// algorithm runs) are only allocated now and copied later, off the training
// thread, by copy_deferred(); each deferred storage's tensor version counter is
// recorded so that a change made before its copy was done is detected, never
// written.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint {

class StateSnapshot {
 public:
  // The tree to write: `root`'s structure over staging storages.
  const c10::IValue& root() const { return root_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t deferred_bytes() const { return deferred_bytes_; }
  // Copies the deferred storages; then throws CheckpointError if any of their
  // tensors changed since the snapshot was taken.
  void copy_deferred();

 private:
  friend class SnapshotStaging;
  struct DeferredCopy {
    at::Tensor live;  // a tensor over the live storage: keeps it alive, and its version counter
    int64_t version;
    at::Storage source;
    at::Storage target;
  };
  c10::IValue root_;
  std::vector<DeferredCopy> deferred_;
  uint64_t bytes_ = 0;
  uint64_t deferred_bytes_ = 0;
};

class SnapshotStaging {
 public:
  using DeferPredicate = std::function<bool(const at::Storage&)>;

  // The bytes a snapshot of `root` holds: its distinct storages.
  static uint64_t bytes_needed(const c10::IValue& root);
  // Copies `root` into staging memory, deferring the storages `defer` picks.
  // The previous snapshot's memory is reused storage by storage where the
  // sizes match, so the previous snapshot must no longer be in use.
  StateSnapshot take(const c10::IValue& root, const DeferPredicate& defer);
  // Host memory held between saves.
  uint64_t bytes_held() const;
  void release() { pool_.clear(); }

 private:
  std::vector<at::Storage> pool_;  // in the order the tree reaches its storages
};

}  // namespace cairn::checkpoint
