// How the local provider writes an object so that no reader sees it half
// made: into a temporary file in the container's .lock folder (on the same
// filesystem as the object, and skipped by libcloud's listings), flushed,
// then renamed into place. A file never published is removed. Shared by
// uploads of files and streams (local_store.cpp, local_stream.cpp).
#pragma once

#include <cstddef>
#include <string>

namespace libcloud {

class StagedFile {
 public:
  // `what` names the write in errors ("upload of 'local://ckpt/a.pt'"):
  // StoreError "<what> failed: <step>".
  StagedFile(const std::string& container_path, std::string what);
  ~StagedFile();
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  int fd() const { return fd_; }
  // Writes all of `data`; throws naming the write.
  void write(const char* data, size_t size);
  // Makes the file libcloud's rw-rw-r--, flushes it to disk and renames it
  // to `target`, creating the folders on the way.
  void publish(const std::string& target);

 private:
  [[noreturn]] void fail(const std::string& step) const;

  std::string what_;
  std::string path_;
  int fd_ = -1;
  bool published_ = false;
};

// Writes all of `data` to `fd`; "" or what failed ("cannot write: ...").
std::string write_all(int fd, const char* data, size_t size);

}  // namespace libcloud
