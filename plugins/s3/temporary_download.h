// Where a download is written before it is complete: a hidden temporary file
// next to the destination (same filesystem, so the final rename is atomic),
// removed on destruction unless published. Every store plugin built on this
// code (s3, libcloud, oci) downloads through it, so a failed download leaves
// nothing behind and an existing file is replaced only with `overwrite`.
#pragma once

#include <string>

namespace s3store {

// Whether anything (a file, a folder, a dangling symlink) is at `path`.
bool path_exists(const std::string& path);

class TemporaryDownload {
 public:
  // `what` names the transfer in messages ("download of 's3://b/k'").
  TemporaryDownload(const std::string& destination, const std::string& what);
  ~TemporaryDownload();
  TemporaryDownload(const TemporaryDownload&) = delete;
  TemporaryDownload& operator=(const TemporaryDownload&) = delete;

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
