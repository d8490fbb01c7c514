// ObjectWriter's anchor, and the fallback stream of ObjectStore::open_writer:
// a temporary file, uploaded whole at commit. It lets a store written before
// streams existed (or one whose service has no multipart upload) take streams.
#include "cairn/object_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cairn/errors.h"
#include "cairn/object_store.h"

namespace cairn {

ObjectWriter::~ObjectWriter() = default;

namespace {

class TemporaryFileWriter final : public ObjectWriter {
 public:
  // No use for a size hint: upload_object learns the size from the file.
  TemporaryFileWriter(ObjectStore& store, std::string object_name, ProgressFn progress)
      : store_(store), object_name_(std::move(object_name)), progress_(std::move(progress)) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/cairn-stream-XXXXXX";
    std::vector<char> path(pattern.begin(), pattern.end());
    path.push_back('\0');
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0) fail("cannot create a temporary file in '" + pattern.substr(0, pattern.rfind('/')) + "'", errno,
                      "set TMPDIR to a writable folder with room for the object");
    path_ = path.data();
  }

  ~TemporaryFileWriter() override { discard(); }

  void write(const char* data, size_t size) override {
    if (fd_ < 0) throw StoreError(StoreErrorKind::kOther, what() + " failed: the stream was already committed or failed");
    while (size > 0) {
      const ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int error = errno;
        discard();
        fail("cannot write its temporary file '" + path_ + "'", error, "free space in TMPDIR or point it elsewhere");
      }
      data += n;
      size -= static_cast<size_t>(n);
      written_ += static_cast<uint64_t>(n);
    }
  }

  void commit() override {
    if (fd_ < 0) throw StoreError(StoreErrorKind::kOther, what() + " failed: the stream was already committed or failed");
    ::close(fd_);
    fd_ = -1;
    try {
      store_.upload_object(object_name_, path_, progress_);
    } catch (...) {
      discard();
      throw;
    }
    discard();
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  std::string what() const { return "streamed upload of '" + store_.get_uri(object_name_) + "'"; }

  [[noreturn]] void fail(const std::string& problem, int error, const std::string& remedy) const {
    throw StoreError(StoreErrorKind::kOther,
                     what() + " failed: " + problem + " (" + std::strerror(error) + "); " + remedy);
  }

  void discard() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!path_.empty()) ::unlink(path_.c_str());
    path_.clear();
  }

  ObjectStore& store_;
  std::string object_name_;
  ProgressFn progress_;
  int fd_ = -1;
  std::string path_;
  uint64_t written_ = 0;
};

}  // namespace

std::unique_ptr<ObjectWriter> ObjectStore::open_writer(const std::string& object_name, uint64_t /*size_hint*/,
                                                       const ProgressFn& progress) {
  return std::make_unique<TemporaryFileWriter>(*this, object_name, progress);
}

}  // namespace cairn
