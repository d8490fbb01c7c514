// A file that appears under its final name only once it is complete and durable.
//
// Bytes go to an unnamed file (O_TMPFILE) in the destination folder, so the
// final rename stays on one filesystem and is atomic, and a crash leaves
// nothing behind; commit() fsyncs it, gives it its final name and fsyncs the
// folder. Where the filesystem has no O_TMPFILE, a named, hidden temporary file
// is used instead. Destroying an uncommitted AtomicFile removes whatever it
// created, so a failed write leaves the destination as it was.
//
// Used for checkpoints (checkpoint/io) and for the local object store's copies.
// Errors are std::system_error carrying errno and the step that failed; callers
// turn them into their own error kinds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/byte_sink.h"

namespace cairn {

class DirectWriteBehind;

// How an AtomicFile's bytes reach the disk. kDirect (for large files such as
// checkpoints) bypasses the page cache with O_DIRECT through reused aligned
// buffers written behind the caller (direct_write_behind.h), about 4x faster
// than buffered writes on the machines measured; where the filesystem refuses
// O_DIRECT (tmpfs, some network filesystems) it quietly writes buffered.
enum class WriteMode { kBuffered, kDirect };

class AtomicFile final : public ByteSink {
 public:
  explicit AtomicFile(std::string path, WriteMode mode = WriteMode::kBuffered);
  ~AtomicFile() override;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Large writes go to write(2) as they are, straight from the caller's memory;
  // small ones (zip headers, small tensors) are gathered first to save syscalls.
  void write(const char* data, size_t size) override;
  // Durably publishes the file under its final name. Without `replace`, an
  // existing file at that name fails the commit with EEXIST and stays as it was.
  void commit(bool replace = true);

  uint64_t bytes_written() const;
  // Whether the bytes bypass the page cache (kDirect, where the filesystem allows it).
  bool writes_direct() const { return direct_ != nullptr; }
  const std::string& path() const { return path_; }

  // Whether a directory entry is one of AtomicFile's temporary files, so that
  // listings can leave half-written files out.
  static bool is_temporary_name(const std::string& filename);

 private:
  [[noreturn]] void fail(const std::string& step, int err) const;
  std::string unused_temp_name() const;
  void give_temp_name();
  void publish(bool replace);
  void write_through(const char* data, size_t size);
  void flush_gathered();
  void start_writeback();

  std::string path_;
  std::string temp_path_;  // empty while the file is unnamed
  int fd_ = -1;
  uint64_t written_ = 0;
  uint64_t writeback_started_ = 0;
  std::vector<char> gathered_;
  std::unique_ptr<DirectWriteBehind> direct_;
  bool committed_ = false;
};

// Renames finished file `from` to `to` (same filesystem). Without `replace`, an
// existing `to` stays as it was and EEXIST is returned. Returns 0 or an errno.
int rename_into_place(const std::string& from, const std::string& to, bool replace);

}  // namespace cairn
