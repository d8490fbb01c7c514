#include "checkpoint/io/crc_pipeline.h"

#include <zlib.h>

namespace cairn::checkpoint {
namespace {

// Large enough that per-chunk overhead (one crc32_combine) vanishes, small
// enough that a writer waiting for the chunk in progress waits under a millisecond.
constexpr uint64_t kChunkBytes = uint64_t{1} << 20;

}  // namespace

CrcPipeline::CrcPipeline(std::vector<ByteRange> ranges)
    : ranges_(std::move(ranges)), chunks_left_(new std::atomic<int64_t>[ranges_.size()]) {
  first_chunk_.reserve(ranges_.size() + 1);
  for (size_t r = 0; r < ranges_.size(); ++r) {
    first_chunk_.push_back(chunks_.size());
    for (uint64_t at = 0; at < ranges_[r].size; at += kChunkBytes) {
      const uint64_t n = ranges_[r].size - at < kChunkBytes ? ranges_[r].size - at : kChunkBytes;
      chunks_.push_back(Chunk{r, ranges_[r].data + at, n});
    }
    chunks_left_[r].store(static_cast<int64_t>(chunks_.size() - first_chunk_.back()));
  }
  first_chunk_.push_back(chunks_.size());
  if (!chunks_.empty()) worker_ = std::thread([this] { worker_loop(); });
}

CrcPipeline::~CrcPipeline() {
  stop_.store(true);
  if (worker_.joinable()) worker_.join();
}

void CrcPipeline::compute(size_t chunk_index) {
  Chunk& chunk = chunks_[chunk_index];
  chunk.crc = static_cast<uint32_t>(
      crc32_z(0L, reinterpret_cast<const Bytef*>(chunk.data), static_cast<z_size_t>(chunk.size)));
  if (chunks_left_[chunk.range].fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard<std::mutex> lock(mutex_);
    range_done_.notify_all();
  }
}

void CrcPipeline::worker_loop() {
  while (!stop_.load(std::memory_order_relaxed)) {
    const size_t c = next_chunk_.fetch_add(1);
    if (c >= chunks_.size()) return;
    compute(c);
  }
}

uint32_t CrcPipeline::crc(size_t index) {
  const size_t end = first_chunk_[index + 1];
  // Help with this range's chunks that nobody has claimed yet.
  for (size_t c = next_chunk_.load(); c < end;) {
    if (next_chunk_.compare_exchange_weak(c, c + 1)) {
      compute(c);
      c = next_chunk_.load();
    }
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    range_done_.wait(lock, [&] { return chunks_left_[index].load(std::memory_order_acquire) == 0; });
  }
  uLong crc = 0;
  for (size_t c = first_chunk_[index]; c < end; ++c)
    crc = crc32_combine(crc, chunks_[c].crc, static_cast<z_off_t>(chunks_[c].size));
  return static_cast<uint32_t>(crc);
}

}  // namespace cairn::checkpoint
