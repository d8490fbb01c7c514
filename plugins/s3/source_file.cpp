#include "source_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cairn/errors.h"

namespace s3store {

SourceFile::SourceFile(const std::string& path, const std::string& what) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (fd_ < 0 || ::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
    const std::string cause = fd_ < 0 ? std::strerror(errno) : "not a regular file";
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            what + " failed: cannot read local file '" + path + "': " + cause);
  }
  size_ = static_cast<uint64_t>(info.st_size);
}

SourceFile::~SourceFile() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace s3store
