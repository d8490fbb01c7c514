// CRC-32s of a sequence of byte ranges, computed ahead of the writer.
//
// The zip writer needs a record's CRC before it writes that record's header,
// and zlib's crc32 (~1.3-1.8 GB/s on one core) is as slow as the disk. A worker
// thread walks the ranges in order in fixed-size chunks while the caller writes
// earlier records; a caller that catches up with the worker helps it with the
// remaining chunks of the range it waits for, so both cores compute CRCs when
// writing is the faster side. Chunk CRCs are joined with crc32_combine.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace cairn::checkpoint {

struct ByteRange {
  const char* data;
  uint64_t size;
};

class CrcPipeline {
 public:
  // The ranges' memory must stay valid and unchanged until the pipeline is destroyed.
  explicit CrcPipeline(std::vector<ByteRange> ranges);
  ~CrcPipeline();
  CrcPipeline(const CrcPipeline&) = delete;
  CrcPipeline& operator=(const CrcPipeline&) = delete;

  // The zlib CRC-32 of range `index`; blocks (helping) until it is known.
  uint32_t crc(size_t index);

 private:
  struct Chunk {
    size_t range;
    const char* data;
    uint64_t size;
    uint32_t crc = 0;
  };
  void compute(size_t chunk_index);
  void worker_loop();

  std::vector<ByteRange> ranges_;
  std::vector<Chunk> chunks_;
  std::vector<size_t> first_chunk_;  // per range, plus one past the end
  std::unique_ptr<std::atomic<int64_t>[]> chunks_left_;  // per range
  std::atomic<size_t> next_chunk_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable range_done_;
  std::thread worker_;
};

}  // namespace cairn::checkpoint
