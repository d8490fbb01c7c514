// Running the parts of a transfer on a bounded number of threads, and
// reporting their progress.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "cairn/object_store.h"

namespace s3store {

// Calls task(0) ... task(count - 1) on at most `max_workers` threads. After
// the first task throws, no new task starts; the first exception is rethrown
// once every running task has returned.
void run_parts(uint64_t count, int max_workers, const std::function<void(uint64_t index)>& task);

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
