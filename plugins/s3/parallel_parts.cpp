#include "parallel_parts.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace s3store {

namespace {

// One run's bookkeeping, shared with its tasks so that the last of them can
// still signal after the waiting caller has been woken.
struct Run {
  std::mutex lock;
  std::condition_variable finished;
  uint64_t pending = 0;
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;

  void fail(std::exception_ptr error) {
    std::lock_guard<std::mutex> guard(lock);
    if (!first_error) first_error = std::move(error);
    failed = true;
  }
  void done(uint64_t tasks) {
    std::lock_guard<std::mutex> guard(lock);
    pending -= tasks;
    if (pending == 0) finished.notify_all();
  }
};

void run_inline(uint64_t count, const std::function<void(uint64_t)>& task) {
  for (uint64_t index = 0; index < count; ++index) task(index);
}

}  // namespace

struct PartPool::Impl {
  explicit Impl(int threads) : threads(static_cast<size_t>(std::max(1, threads))) {}

  boost::asio::thread_pool& pool() {
    std::call_once(started, [this] { threads_pool.emplace(threads); });
    return *threads_pool;
  }

  size_t threads;
  std::once_flag started;
  std::optional<boost::asio::thread_pool> threads_pool;
};

PartPool::PartPool(int threads) : impl_(std::make_unique<Impl>(threads)) {}
PartPool::~PartPool() = default;
PartPool::PartPool(PartPool&&) noexcept = default;
PartPool& PartPool::operator=(PartPool&&) noexcept = default;

void PartPool::run(uint64_t count, const std::function<void(uint64_t index)>& task) {
  if (count <= 1) return run_inline(count, task);
  boost::asio::thread_pool& pool = impl_->pool();
  if (pool.get_executor().running_in_this_thread()) return run_inline(count, task);
  auto run = std::make_shared<Run>();
  run->pending = count;
  uint64_t posted = 0;
  try {
    for (; posted < count; ++posted) {
      boost::asio::post(pool, [run, &task, index = posted] {
        if (!run->failed) {
          try {
            task(index);
          } catch (...) {
            run->fail(std::current_exception());
          }
        }
        run->done(1);
      });
    }
  } catch (...) {  // posting failed (out of memory): the posted tasks still finish
    run->fail(std::current_exception());
    run->done(count - posted);
  }
  std::unique_lock<std::mutex> guard(run->lock);
  run->finished.wait(guard, [&] { return run->pending == 0; });
  // Taken out, so the exception is not released on a pool thread when the
  // last task lets go of `run`.
  const std::exception_ptr error = std::move(run->first_error);
  guard.unlock();
  if (error) std::rethrow_exception(error);
}

void PartPool::post(std::function<void()> task) { boost::asio::post(impl_->pool(), std::move(task)); }

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
