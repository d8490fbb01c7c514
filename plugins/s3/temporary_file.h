// Where a store's download lands before it is complete: a temporary file in
// the destination's folder (same filesystem, so the final rename is atomic),
// removed on destruction unless published. Shared by the store plugins that
// download in parts (s3, oci), so a failed download never leaves a partial
// file at the destination.
#pragma once

#include <sys/types.h>

#include <string>

namespace s3store {

// Whether anything (a file, a folder, a dangling link) is at `path`.
bool path_exists(const std::string& path);

class TemporaryFile {
 public:
  // `what` names the transfer in errors ("download of 's3://b/k'").
  TemporaryFile(const std::string& destination, const std::string& what);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }

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
