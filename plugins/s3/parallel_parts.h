// Running the parts of a transfer on a store's thread pool, and reporting
// their progress.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "cairn/object_store.h"

namespace s3store {

// A boost::asio::thread_pool of `threads` threads (at least one), started on
// first use so that a store that only moves small objects starts none. One
// per store: every transfer of the store shares it, so the store's
// max_concurrency bounds its requests in flight, however many callers.
class PartPool {
 public:
  explicit PartPool(int threads);
  ~PartPool();
  PartPool(PartPool&&) noexcept;
  PartPool& operator=(PartPool&&) noexcept;

  // Calls task(0) ... task(count - 1) on the pool and waits for them. After
  // the first task throws, tasks not yet started are skipped; the first
  // exception is rethrown once every started task has returned. A single
  // task, or a call from one of the pool's own threads, runs on the calling
  // thread (waiting there for the pool could deadlock it).
  void run(uint64_t count, const std::function<void(uint64_t index)>& task);

  // Queues `task` on the pool and returns. The task must not throw; the caller
  // bounds how many it queues (a stream's parts in flight).
  void post(std::function<void()> task);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Cumulative, monotonic progress from several threads: add() is called when a
// part is confirmed, so a retried part is never counted twice.
class PartProgress {
 public:
  PartProgress(const cairn::ProgressFn& progress, uint64_t total);
  void add(uint64_t bytes);

 private:
  const cairn::ProgressFn& progress_;
  uint64_t total_;
  uint64_t done_ = 0;
  std::mutex lock_;
};

}  // namespace s3store
