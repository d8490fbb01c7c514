// PartStream: the memory side of every streamed upload built on this code
// (S3 multipart, OCI multipart, Azure block lists, GCS resumable chunks). It
// cuts the bytes it is given into parts, hands each full part to the store's
// pool, keeps at most `max_in_flight` parts in flight (write() blocks on the
// next one), and commits or aborts through the store's own calls. A store
// supplies only the protocol (PartProtocol); buffering, sizing, ordering of
// receipts, progress and failure handling live here once.
//
// Memory: (max_in_flight + 1) parts, whose buffers are reused from part to
// part, so a long stream touches new memory only for its first parts.
//
// A full part is sent only once the next byte arrives, so the last part is
// always the one commit() sends, and is never empty (a store may need to say
// "this is the last one": GCS, with the total size).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cairn/object_store.h"
#include "parallel_parts.h"

namespace s3store {

// The size of part `part_number` (1-based) of a stream whose size is not known
// in advance: `base` for the first 1,000 parts, then one `base` more for each
// further 1,000, so 10,000 parts hold 55,000 * base (440 GiB at 8 MiB). Every
// store with a part limit grows its parts this way (S3, OCI, Azure blocks).
uint64_t stream_part_size(uint64_t base, uint64_t part_number);

struct PartProtocol {
  // Part sizes by 1-based part number; `max_parts` is the store's limit.
  std::function<uint64_t(uint64_t part_number)> part_size;
  uint64_t max_parts = 10'000;
  // Streams that end below this size and never filled a part go up whole.
  uint64_t whole_below = 0;
  // What to say in errors: "upload of 's3://bucket/key'", and, after too many
  // parts, which setting to raise.
  std::string what;
  std::string too_many_parts_remedy;

  // One request for an object that fits in memory (below whole_below).
  std::function<void(std::string& bytes)> send_whole;
  // Opens the multipart upload (or session) before the first part; on the
  // writing thread.
  std::function<void()> start;
  // Sends part `number` (1-based) on a pool thread and returns its receipt
  // (an ETag, a block id). `bytes` may be moved from and moved back; its
  // content on return does not matter. `last` is true only for the final part.
  std::function<std::string(uint64_t number, std::string& bytes, uint64_t offset, bool last)> send_part;
  // Makes the object visible, given every part's receipt in order.
  std::function<void(const std::vector<std::string>& receipts, uint64_t total)> finish;
  // Best effort, after start(): removes the parts sent. Must not throw.
  std::function<void()> abort;
};

// Moves `owner`'s value into `borrower` for the scope and back at its end,
// however it ends: a part's bytes lent to one request's body, so that
// PartStream reuses the buffer for a later part (send_part's `bytes` may be
// moved from and moved back).
template <typename T>
class Lent {
 public:
  Lent(T& owner, T& borrower) : owner_(owner), borrower_(borrower) { borrower_ = std::move(owner_); }
  ~Lent() { owner_ = std::move(borrower_); }
  Lent(const Lent&) = delete;
  Lent& operator=(const Lent&) = delete;

 private:
  T& owner_;
  T& borrower_;
};

class PartStream final : public cairn::ObjectWriter {
 public:
  // `max_in_flight` parts at most on `pool` at once (at least one; a store
  // whose parts must arrive in order passes 1).
  PartStream(PartProtocol protocol, PartPool& pool, size_t max_in_flight, uint64_t size_hint,
             cairn::ProgressFn progress);
  // Waits for the parts in flight, then aborts unless committed.
  ~PartStream() override;

  void write(const char* data, size_t size) override;
  void commit() override;
  uint64_t bytes_written() const override { return written_; }

 private:
  uint64_t part_target() const;
  void send_buffer(bool last);
  void wait_until_in_flight_below(size_t limit);
  void rethrow_failure();
  void check_usable() const;
  void report_progress(uint64_t confirmed_bytes);

  PartProtocol protocol_;
  PartPool& pool_;
  size_t max_in_flight_;
  uint64_t size_hint_;
  cairn::ProgressFn progress_;

  std::string buffer_;     // the part being filled
  std::atomic<uint64_t> written_{0};  // bytes given to write(); read by progress reports
  uint64_t sent_ = 0;      // bytes handed to parts
  uint64_t next_part_ = 1;
  bool started_ = false;
  bool committed_ = false;
  bool spent_ = false;     // commit() was called, or a write failed

  std::mutex lock_;
  std::condition_variable part_done_;
  size_t in_flight_ = 0;
  std::exception_ptr failure_;
  std::vector<std::string> receipts_;
  std::vector<std::string> spare_buffers_;
  uint64_t confirmed_ = 0;
};

}  // namespace s3store
