#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <system_error>

#include "core/direct_write_behind.h"

namespace cairn {
namespace {

// Linux caps one write(2) just under 2 GiB; stay well below.
constexpr size_t kMaxWriteChunk = size_t{1} << 30;
// Start the disk's writeback every this many bytes, so the final fsync does not
// have the whole file to flush at once and the disk works while we compute CRCs.
constexpr uint64_t kWritebackStride = uint64_t{32} << 20;
// Writes smaller than this are copied together and written in one call.
constexpr size_t kGatherBelow = size_t{256} << 10;
constexpr size_t kGatherCapacity = size_t{1} << 20;
// Temporary names: ".<name>.tmp-<8 random characters>".
constexpr char kTempMarker[] = ".tmp-";
constexpr size_t kTempRandomLength = 8;

std::string folder_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void sync_folder(const std::string& folder) {
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // some filesystems refuse fsync on a folder; the data is already synced
    ::close(dir);
  }
}

}  // namespace

AtomicFile::AtomicFile(std::string path, WriteMode mode) : path_(std::move(path)) {
  const std::string folder = folder_of(path_);
  // An unnamed file (O_TMPFILE) only gets a name in commit(), so a crash or a
  // kill mid-write leaves nothing behind in the folder.
  auto open_temporary = [&](int extra_flags) {
    fd_ = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC | extra_flags, 0666);
    if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
      temp_path_ = unused_temp_name();
      fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | extra_flags, 0666);
      if (fd_ < 0) {
        // Some filesystems create the file before refusing O_DIRECT.
        const int err = errno;
        if (err == EINVAL) ::unlink(temp_path_.c_str());
        temp_path_.clear();
        errno = err;
      }
    }
  };
  if (mode == WriteMode::kDirect) {
    open_temporary(O_DIRECT);
    if (fd_ >= 0) {
      direct_ = std::make_unique<DirectWriteBehind>(fd_, "writing '" + path_ + "'");
      return;
    }
    if (errno != EINVAL) fail("cannot create a temporary file in folder '" + folder + "'", errno);
    // EINVAL: this filesystem has no O_DIRECT; write through the page cache.
  }
  open_temporary(0);
  if (fd_ < 0) fail("cannot create a temporary file in folder '" + folder + "'", errno);
  gathered_.reserve(kGatherCapacity);
}

AtomicFile::~AtomicFile() {
  direct_.reset();  // its worker may still be writing to fd_
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

bool AtomicFile::is_temporary_name(const std::string& filename) {
  const size_t marker = sizeof kTempMarker - 1;
  return filename.size() > 1 + marker + kTempRandomLength && filename.front() == '.' &&
         filename.compare(filename.size() - kTempRandomLength - marker, marker, kTempMarker) == 0;
}

std::string AtomicFile::unused_temp_name() const {
  // A dot-prefixed name keeps half-written files out of globs such as "*.pt";
  // the name is shortened so it stays within NAME_MAX (255).
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = folder_of(path_) + "/." + name_of(path_).substr(0, 200) + kTempMarker;
    for (size_t i = 0; i < kTempRandomLength; ++i) name += kAlphabet[random() % (sizeof kAlphabet - 1)];
    if (::access(name.c_str(), F_OK) != 0 && errno == ENOENT) return name;
  }
  fail("cannot find an unused temporary name in folder '" + folder_of(path_) + "'", EEXIST);
}

void AtomicFile::give_temp_name() {
  const std::string self = "/proc/self/fd/" + std::to_string(fd_);
  for (int attempt = 0; attempt < 10; ++attempt) {
    temp_path_ = unused_temp_name();
    int rc = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temp_path_.c_str(), AT_SYMLINK_FOLLOW);
    if (rc != 0 && errno == ENOENT)  // no /proc: needs CAP_DAC_READ_SEARCH instead
      rc = ::linkat(fd_, "", AT_FDCWD, temp_path_.c_str(), AT_EMPTY_PATH);
    if (rc == 0) return;
    const int err = errno;
    temp_path_.clear();
    if (err != EEXIST) fail("naming the finished temporary file failed", err);
  }
  fail("naming the finished temporary file failed", EEXIST);
}

void AtomicFile::fail(const std::string& step, int err) const {
  throw std::system_error(err, std::generic_category(), "writing '" + path_ + "': " + step);
}

uint64_t AtomicFile::bytes_written() const { return direct_ ? direct_->bytes_accepted() : written_; }

void AtomicFile::write(const char* data, size_t size) {
  if (direct_) return direct_->write(data, size);
  if (size < kGatherBelow) {
    if (gathered_.size() + size > kGatherCapacity) flush_gathered();
    gathered_.insert(gathered_.end(), data, data + size);
    return;
  }
  flush_gathered();
  write_through(data, size);
}

void AtomicFile::flush_gathered() {
  if (gathered_.empty()) return;
  write_through(gathered_.data(), gathered_.size());
  gathered_.clear();
}

void AtomicFile::write_through(const char* data, size_t size) {
  while (size > 0) {
    const size_t chunk = size < kMaxWriteChunk ? size : kMaxWriteChunk;
    const ssize_t n = ::write(fd_, data, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("writing failed after " + std::to_string(written_) + " bytes", errno);
    }
    if (n == 0) fail("the disk accepted no more bytes after " + std::to_string(written_), ENOSPC);
    data += n;
    size -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  if (written_ - writeback_started_ >= kWritebackStride) start_writeback();
}

void AtomicFile::start_writeback() {
  // Only a hint: fsync in commit() is what makes the file durable.
  ::sync_file_range(fd_, static_cast<off64_t>(writeback_started_),
                    static_cast<off64_t>(written_ - writeback_started_), SYNC_FILE_RANGE_WRITE);
  writeback_started_ = written_;
}

void AtomicFile::publish(bool replace) {
  if (const int err = rename_into_place(temp_path_, path_, replace)) fail("publishing the finished file failed", err);
}

void AtomicFile::commit(bool replace) {
  if (direct_) {
    direct_->finish();
    written_ = direct_->bytes_accepted();
    direct_.reset();
  }
  flush_gathered();
  if (::fsync(fd_) != 0) fail("fsync failed", errno);
  // link + rename rather than linking straight to `path_`: linkat cannot replace a file.
  if (temp_path_.empty()) give_temp_name();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed", errno);
  publish(replace);
  committed_ = true;
  // The new name is durable only once the folder's entry is on disk.
  sync_folder(folder_of(path_));
}

// rename() replaces; without replacement, renameat2(RENAME_NOREPLACE) is
// exclusive, with link()+unlink() where the filesystem lacks it.
int rename_into_place(const std::string& from, const std::string& to, bool replace) {
  if (replace) return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

}  // namespace cairn
