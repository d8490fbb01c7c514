#include "local_files.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cairn/errors.h"

namespace s3store {

namespace fs = std::filesystem;

namespace {

mode_t current_umask() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

}  // namespace

bool path_exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

SourceFile::SourceFile(const std::string& filename, const std::string& what) {
  fd_ = ::open(filename.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (fd_ < 0 || ::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
    const std::string cause = fd_ < 0 ? std::strerror(errno) : "not a regular file";
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            what + " failed: cannot read local file '" + filename + "': " + cause);
  }
  size_ = static_cast<uint64_t>(info.st_size);
}

SourceFile::~SourceFile() {
  if (fd_ >= 0) ::close(fd_);
}

TemporaryFile::TemporaryFile(const std::string& destination, const std::string& what) : what_(what) {
  const fs::path dest = fs::absolute(destination);
  std::error_code ec;
  fs::create_directories(dest.parent_path(), ec);
  path_ = (dest.parent_path() / ("." + dest.filename().string() + ".cairn-download-XXXXXX")).string();
  fd_ = ::mkstemp(path_.data());
  if (fd_ < 0) fail("cannot create a temporary file in '" + dest.parent_path().string() + "'");
}

TemporaryFile::~TemporaryFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!published_) ::unlink(path_.c_str());
}

void TemporaryFile::resize(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail("cannot size the temporary file");
}

void TemporaryFile::publish(const std::string& destination, bool overwrite) {
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

void TemporaryFile::fail(const std::string& step) const {
  throw cairn::StoreError(cairn::StoreErrorKind::kOther, what_ + " failed: " + step + ": " + std::strerror(errno));
}

}  // namespace s3store
