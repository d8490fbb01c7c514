// A file that appears under its final name only once it is complete and durable.
//
// Bytes go to an unnamed file (O_TMPFILE) in the destination folder, so the
// final rename stays on one filesystem and is atomic, and a crash leaves
// nothing behind; commit() fsyncs it, links it under a temporary name, renames
// that over the destination and fsyncs the folder. Where the filesystem has no
// O_TMPFILE, a named temporary file is used instead. Destroying an uncommitted
// AtomicFile removes whatever it created, so a failed write leaves the
// destination as it was.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/io/byte_sink.h"

namespace cairn::checkpoint {

class AtomicFile final : public ByteSink {
 public:
  // Throws CheckpointError if the temporary file cannot be created.
  explicit AtomicFile(std::string path);
  ~AtomicFile() override;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Large writes go to write(2) as they are, straight from the caller's memory;
  // small ones (zip headers, small tensors) are gathered first to save syscalls.
  void write(const char* data, size_t size) override;
  // Durably publishes the file under its final name. Throws CheckpointError.
  void commit();

  uint64_t bytes_written() const { return written_; }

 private:
  [[noreturn]] void fail(const std::string& what, int err) const;
  std::string unused_temp_name() const;
  void give_name();
  void write_through(const char* data, size_t size);
  void flush_gathered();
  void start_writeback();

  std::string path_;
  std::string temp_path_;  // empty while the file has no name
  int fd_ = -1;
  uint64_t written_ = 0;
  uint64_t writeback_started_ = 0;
  std::vector<char> gathered_;
  bool committed_ = false;
};

}  // namespace cairn::checkpoint
