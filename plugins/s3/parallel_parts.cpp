#include "parallel_parts.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace s3store {

void run_parts(uint64_t count, int max_workers, const std::function<void(uint64_t index)>& task) {
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_lock;
  const auto work = [&] {
    for (uint64_t index = next++; index < count && !failed; index = next++) {
      try {
        task(index);
      } catch (...) {
        std::lock_guard<std::mutex> guard(error_lock);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  const auto workers = static_cast<uint64_t>(std::max(1, max_workers));
  std::vector<std::thread> threads;
  for (uint64_t i = 1; i < std::min(workers, count); ++i) threads.emplace_back(work);
  work();  // this thread is one of the workers
  for (auto& thread : threads) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

PartProgress::PartProgress(const cairn::ProgressFn& progress, uint64_t total) : progress_(progress), total_(total) {
  if (progress_) progress_(0, total_);
}

void PartProgress::add(uint64_t bytes) {
  if (!progress_) return;
  std::lock_guard<std::mutex> guard(lock_);
  done_ += bytes;
  progress_(done_, total_);
}

}  // namespace s3store
