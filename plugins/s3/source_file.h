// The local file an upload reads, for every store plugin built on this code
// (s3, libcloud, oci, gcs): opened once, checked to be a regular file,
// its size taken from that same descriptor (so a file replaced meanwhile
// cannot mix two sizes), closed on destruction.
#pragma once

#include <cstdint>
#include <string>

namespace s3store {

class SourceFile {
 public:
  // StoreError naming `what` ("upload of 'azure://c/k'") and the cause when
  // `path` cannot be read or is not a regular file.
  SourceFile(const std::string& path, const std::string& what);
  ~SourceFile();
  SourceFile(const SourceFile&) = delete;
  SourceFile& operator=(const SourceFile&) = delete;

  int fd() const { return fd_; }
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace s3store
