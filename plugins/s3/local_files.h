// The local side of a store transfer, shared by the store plugins built on
// this code (s3, gcs): the file an upload reads, and the temporary file a
// download is written into and renamed from, so that the destination appears
// complete or not at all.
#pragma once

#include <cstdint>
#include <string>

namespace s3store {

// Whether something (a file, a folder, a dangling link) exists at `path`.
bool path_exists(const std::string& path);

// A local regular file opened for reading. `what` ("upload of 's3://b/k'")
// starts the StoreError thrown when it cannot be opened or is not a regular file.
class SourceFile {
 public:
  SourceFile(const std::string& filename, const std::string& what);
  ~SourceFile();
  SourceFile(const SourceFile&) = delete;
  SourceFile& operator=(const SourceFile&) = delete;

  int fd() const { return fd_; }
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

// A temporary file next to `destination` (same filesystem, so the final
// rename is atomic), removed on destruction unless published.
class TemporaryFile {
 public:
  TemporaryFile(const std::string& destination, const std::string& what);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }

  // Sets the file's length (for ranges written out of order).
  void resize(uint64_t size);

  // fsync, then rename onto `destination`; without `overwrite`, a file that
  // appeared there meanwhile is left alone and reported (AlreadyExistsError).
  void publish(const std::string& destination, bool overwrite);

 private:
  [[noreturn]] void fail(const std::string& step) const;

  std::string what_;
  std::string path_;
  int fd_ = -1;
  bool published_ = false;
};

}  // namespace s3store
