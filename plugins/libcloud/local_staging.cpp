#include "local_staging.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cairn/errors.h"

namespace libcloud {

namespace fs = std::filesystem;

std::string write_all(int fd, const char* data, size_t size) {
  for (size_t put = 0; put < size;) {
    const ssize_t n = ::write(fd, data + put, size - put);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::string("cannot write: ") + std::strerror(errno);
    put += static_cast<size_t>(n);
  }
  return "";
}

StagedFile::StagedFile(const std::string& container_path, std::string what) : what_(std::move(what)) {
  const std::string staging = container_path + "/.lock";
  if (::mkdir(staging.c_str(), 0775) != 0 && errno != EEXIST) {
    fail("cannot create '" + staging + "': " + std::strerror(errno));
  }
  std::string path = staging + "/.cairn-upload-XXXXXX";
  fd_ = ::mkstemp(path.data());
  if (fd_ < 0) fail("cannot create a temporary file in '" + staging + "': " + std::strerror(errno));
  path_ = path;
}

StagedFile::~StagedFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!published_ && !path_.empty()) ::unlink(path_.c_str());
}

void StagedFile::fail(const std::string& step) const {
  throw cairn::StoreError(cairn::StoreErrorKind::kOther, what_ + " failed: " + step);
}

void StagedFile::write(const char* data, size_t size) {
  const std::string problem = write_all(fd_, data, size);
  if (!problem.empty()) fail(problem + " (the temporary file '" + path_ + "')");
}

void StagedFile::publish(const std::string& target) {
  // libcloud makes its objects rw-rw-r--.
  if (::fchmod(fd_, 0664) != 0 || ::fsync(fd_) != 0) {
    fail(std::string("cannot flush the copy: ") + std::strerror(errno));
  }
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (ec) fail("cannot create the folder '" + fs::path(target).parent_path().string() + "': " + ec.message());
  if (::rename(path_.c_str(), target.c_str()) != 0) {
    fail("cannot move the copy to '" + target + "': " + std::strerror(errno));
  }
  published_ = true;
}

}  // namespace libcloud
