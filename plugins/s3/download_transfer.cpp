// S3Store downloads: into a temporary file in the destination's folder, one
// GET for small objects and concurrent ranged GETs for large ones, then a
// rename, so the destination appears complete or not at all.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cairn/errors.h"
#include "s3_store.h"

namespace s3store {

namespace http = cairn::http;
namespace fs = std::filesystem;

namespace {

bool path_exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// A temporary file next to `destination` (same filesystem, so the final
// rename is atomic), removed on destruction unless published.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& destination, const std::string& what) : what_(what) {
    const fs::path dest = fs::absolute(destination);
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    path_ = (dest.parent_path() / ("." + dest.filename().string() + ".cairn-download-XXXXXX")).string();
    fd_ = ::mkstemp(path_.data());
    if (fd_ < 0) fail("cannot create a temporary file in '" + dest.parent_path().string() + "'");
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!published_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }

  // fsync, then rename onto `destination`; without `overwrite`, a file that
  // appeared there meanwhile is left alone and reported.
  void publish(const std::string& destination, bool overwrite) {
    ::fchmod(fd_, 0644 & ~current_umask());
    if (::fsync(fd_) != 0) fail("cannot flush the downloaded file");
    ::close(fd_);
    fd_ = -1;
    int rc = ::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, destination.c_str(), overwrite ? 0 : RENAME_NOREPLACE);
    if (rc != 0 && errno == EINVAL && !overwrite) {
      // The filesystem has no RENAME_NOREPLACE: link() refuses to replace too.
      rc = ::link(path_.c_str(), destination.c_str());
      if (rc == 0) ::unlink(path_.c_str());
    }
    if (rc != 0) {
      if (errno == EEXIST) {
        throw cairn::AlreadyExistsError(what_ + " failed: destination '" + destination +
                                        "' already exists; pass overwrite to replace it");
      }
      fail("cannot move the download to '" + destination + "'");
    }
    published_ = true;
  }

 private:
  static mode_t current_umask() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
  }
  [[noreturn]] void fail(const std::string& step) const {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, what_ + " failed: " + step + ": " + std::strerror(errno));
  }

  std::string what_;
  std::string path_;
  int fd_ = -1;
  bool published_ = false;
};

}  // namespace

void S3Store::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                              const cairn::ProgressFn& progress) {
  const std::string what = "download of '" + get_uri(object_name) + "'";
  if (!overwrite && path_exists(filename)) {
    throw cairn::AlreadyExistsError(what + " failed: destination '" + filename +
                                    "' already exists; pass overwrite to replace it");
  }
  const uint64_t size = size_for("download", object_name);  // NotFoundError before anything is created
  TemporaryFile temporary(filename, what);
  fetch_into(object_name, temporary.fd(), size, progress);
  temporary.publish(filename, overwrite);
}

void S3Store::fetch_into(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  const TransferSettings& transfer = client_.settings().transfer;
  PartProgress reporter(progress, size);
  if (size < transfer.multipart_threshold || size == 0) {
    S3Call call{"download", object_name, "GET"};
    call.sink = http::ResponseSink::file_at(fd, 0);
    call.expected_body_bytes = static_cast<int64_t>(size);
    client_.send(call);
    reporter.add(size);
    return;
  }
  // Ranges need no S3 minimum: the chunk size is used as given.
  const uint64_t range = std::max<uint64_t>(1, transfer.multipart_chunksize);
  const uint64_t ranges = (size + range - 1) / range;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "download of '" + get_uri(object_name) +
                                                               "' failed: cannot size the temporary file: " + std::strerror(errno));
  }
  parts_.run(ranges, [&](uint64_t index) {
    const uint64_t first = index * range;
    const uint64_t length = std::min(range, size - first);
    S3Call call{"download (bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + ")", object_name, "GET"};
    call.headers = {{"Range", "bytes=" + std::to_string(first) + "-" + std::to_string(first + length - 1)}};
    call.sink = http::ResponseSink::file_at(fd, first);
    call.ranged = true;
    call.expected_body_bytes = static_cast<int64_t>(length);
    client_.send(call);
    reporter.add(length);
  });
}

}  // namespace s3store
