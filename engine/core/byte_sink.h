// Where the checkpoint writer's bytes go: a file, a compressor, or a counter.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cairn {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Writes all `size` bytes or throws. `data` may point straight into tensor
  // memory: implementations must not keep it after returning.
  virtual void write(const char* data, size_t size) = 0;
};

// Counts bytes and drops them: a measuring pass of the zip writer uses it to
// learn the archive's exact size before a tar header that needs it is written.
class CountingSink final : public ByteSink {
 public:
  void write(const char*, size_t size) override { count_ += size; }
  uint64_t count() const { return count_; }

 private:
  uint64_t count_ = 0;
};

}  // namespace cairn
