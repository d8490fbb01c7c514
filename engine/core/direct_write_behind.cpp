#include "core/direct_write_behind.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <system_error>

namespace cairn {
namespace {

char* aligned_buffer(size_t size, size_t alignment) {
  void* p = nullptr;
  if (::posix_memalign(&p, alignment, size) != 0) throw std::bad_alloc();
  return static_cast<char*>(p);
}

}  // namespace

void DirectWriteBehind::AlignedFree::operator()(char* p) const { std::free(p); }

DirectWriteBehind::DirectWriteBehind(int fd, std::string what) : fd_(fd), what_(std::move(what)) {
  for (Buffer& buffer : buffers_) buffer.reset(aligned_buffer(kBufferSize, kDirectAlignment));
  worker_ = std::thread([this] { run_worker(); });
}

DirectWriteBehind::~DirectWriteBehind() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void DirectWriteBehind::write(const char* data, size_t size) {
  while (size > 0) {
    const size_t n = std::min(size, kBufferSize - fill_);
    std::memcpy(buffers_[filling_].get() + fill_, data, n);
    fill_ += n;
    data += n;
    size -= n;
    accepted_ += n;
    if (fill_ == kBufferSize) hand_over();
  }
}

void DirectWriteBehind::finish() {
  if (fill_ > 0) hand_over();
  std::unique_lock<std::mutex> lock(mutex_);
  wait_idle(lock);
  throw_if_failed();
}

void DirectWriteBehind::hand_over() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // The worker is done with the other buffer once it is idle.
    wait_idle(lock);
    throw_if_failed();
    job_data_ = buffers_[filling_].get();
    job_size_ = fill_;
    job_offset_ = next_offset_;
    busy_ = true;
  }
  changed_.notify_all();
  next_offset_ += fill_;
  filling_ ^= 1;
  fill_ = 0;
}

void DirectWriteBehind::wait_idle(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [this] { return !busy_; });
}

void DirectWriteBehind::throw_if_failed() {
  if (error_ != 0) throw std::system_error(error_, std::generic_category(), what_ + ": " + error_step_);
}

void DirectWriteBehind::run_worker() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return busy_ || stopping_; });
    if (!busy_) return;
    const char* data = job_data_;
    const size_t size = job_size_;
    const uint64_t offset = job_offset_;
    const bool failed = error_ != 0;
    lock.unlock();
    // After a failure the file is abandoned: later buffers are dropped.
    if (!failed) write_at(data, size, offset);
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

void DirectWriteBehind::write_at(const char* data, size_t size, uint64_t offset) {
  auto fail = [&](const std::string& step, int err) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = err;
    error_step_ = step;
  };
  size_t done = 0;
  while (done < size) {
    size_t chunk = size - done;
    if (direct_) {
      // Only whole blocks go direct; the file's last partial block is written
      // through the page cache (it is always the last write).
      chunk &= ~(kDirectAlignment - 1);
      if (chunk == 0) {
        stop_direct();
        chunk = size - done;
      }
    }
    const ssize_t n = ::pwrite(fd_, data + done, chunk, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL && direct_) {  // the filesystem accepted O_DIRECT at open only
        stop_direct();
        continue;
      }
      return fail("writing failed after " + std::to_string(offset + done) + " bytes", errno);
    }
    if (n == 0) return fail("the disk accepted no more bytes after " + std::to_string(offset + done), ENOSPC);
    done += static_cast<size_t>(n);
  }
}

void DirectWriteBehind::stop_direct() {
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT);
  // Even if fcntl failed, unaligned writes then fail with EINVAL and name it.
  direct_ = false;
}

}  // namespace cairn
