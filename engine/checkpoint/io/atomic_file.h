// A file that appears under its final name only once it is complete and durable.
//
// Bytes go to a temporary file in the destination folder (so the final rename
// stays on one filesystem and is atomic); commit() fsyncs it, renames it over
// the destination and fsyncs the folder. Destroying an uncommitted AtomicFile
// removes the temporary file, so a failed write leaves the destination as it was.
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
  const std::string& temp_path() const { return temp_path_; }

 private:
  [[noreturn]] void fail(const std::string& what, int err) const;
  void write_through(const char* data, size_t size);
  void flush_gathered();
  void start_writeback();

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  uint64_t written_ = 0;
  uint64_t writeback_started_ = 0;
  std::vector<char> gathered_;
  bool committed_ = false;
};

}  // namespace cairn::checkpoint
