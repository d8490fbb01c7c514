// Work split over a few threads: the checkpoint code's SHA-256 passes and
// record reads each keep a core busy, and these machines have two or more.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <vector>

namespace cairn {

// Runs body(i) for every i in [0, count) on up to `threads` threads, the
// calling one included, which take the indices in turn (so that pieces of
// uneven sizes spread evenly), and returns once all are done. When a call
// throws, no new index is started and the first exception caught is rethrown
// here after the others have finished theirs.
inline void parallel_for(size_t count, unsigned threads, const std::function<void(size_t)>& body) {
  std::atomic<size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const auto work = [&] {
    for (size_t i; (i = next++) < count;) {
      try {
        body(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;
      }
    }
  };
  std::vector<std::future<void>> helpers;
  for (unsigned k = 1; k < threads && k < count; ++k) helpers.push_back(std::async(std::launch::async, work));
  work();
  for (std::future<void>& helper : helpers) helper.wait();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace cairn
