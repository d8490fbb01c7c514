#include "store/atomic_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <random>
#include <system_error>
#include <vector>

namespace cairn {
namespace atomic_file {

const char* const kTempSuffix = ".cairn-tmp";

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& step) { throw std::system_error(errno, std::generic_category(), step); }

// Closes on scope exit; close errors after fsync are reported by close_checked.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void close_checked(const std::string& what) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("closing " + what);
  }

 private:
  int fd_;
};

// Removes the temporary file unless the copy completed.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

// A hidden sibling of `destination` with a random part; O_EXCL makes a clash
// with a concurrent writer fail instead of sharing the file.
std::pair<std::string, int> create_temp_next_to(const fs::path& destination) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const fs::path folder = destination.parent_path();
  for (int attempt = 0; attempt < 16; ++attempt) {
    char suffix[17];
    snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random()));
    const std::string name = "." + destination.filename().string() + "." + suffix + kTempSuffix;
    const std::string path = (folder / name).string();
    // 0666 so that the final file gets the same permissions (after umask) as
    // any file the user creates.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {path, fd};
    if (errno != EEXIST) fail("creating temporary file " + in_quotes(path));
  }
  errno = EEXIST;
  fail("creating a temporary file next to " + in_quotes(destination.string()));
}

void write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("writing " + in_quotes(path));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Without `replace`, renameat2(RENAME_NOREPLACE) closes the race between the
// caller's existence check and the rename; file systems without it get
// link()+unlink(), which is just as exclusive.
void move_into_place(const std::string& temp, const std::string& destination, bool replace) {
  if (replace) {
    if (::rename(temp.c_str(), destination.c_str()) != 0) fail("renaming " + in_quotes(temp) + " to " + in_quotes(destination));
    return;
  }
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, destination.c_str(), RENAME_NOREPLACE) == 0) return;
  if (errno != EINVAL && errno != ENOSYS) fail("renaming " + in_quotes(temp) + " to " + in_quotes(destination));
  if (::link(temp.c_str(), destination.c_str()) != 0) fail("linking " + in_quotes(temp) + " to " + in_quotes(destination));
  ::unlink(temp.c_str());
}

void sync_folder(const fs::path& folder) {
  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  // Some file systems refuse fsync on a folder (EINVAL); the data itself is
  // already synced, so only real I/O errors count.
  if (dir.get() >= 0 && ::fsync(dir.get()) != 0 && errno != EINVAL && errno != EROFS) {
    fail("syncing folder " + in_quotes(folder.string()));
  }
}

}  // namespace

uint64_t copy(const std::string& source, const std::string& destination, bool replace, const ProgressFn& progress) {
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) fail("opening " + in_quotes(source));
  struct stat info {};
  if (::fstat(in.get(), &info) != 0) fail("reading the size of " + in_quotes(source));
  if (S_ISDIR(info.st_mode)) {
    errno = EISDIR;
    fail("opening " + in_quotes(source));
  }
  const uint64_t total = static_cast<uint64_t>(info.st_size);

  const fs::path dest_path = fs::absolute(destination);
  std::error_code ec;
  fs::create_directories(dest_path.parent_path(), ec);
  if (ec) throw std::system_error(ec, "creating folder " + in_quotes(dest_path.parent_path().string()));

  auto [temp_path, temp_fd] = create_temp_next_to(dest_path);
  TempFileGuard guard(temp_path);
  Fd out(temp_fd);

  std::vector<char> buffer(1 << 20);
  uint64_t done = 0;
  if (progress) progress(0, total);
  while (true) {
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("reading " + in_quotes(source));
    }
    if (n == 0) break;
    write_all(out.get(), buffer.data(), static_cast<size_t>(n), temp_path);
    done += static_cast<uint64_t>(n);
    // The total is the size seen at open; a file growing meanwhile must not
    // make the callback report more than 100 %.
    if (progress && done <= total) progress(done, total);
  }
  if (::fsync(out.get()) != 0) fail("syncing " + in_quotes(temp_path));
  out.close_checked(in_quotes(temp_path));
  move_into_place(temp_path, dest_path.string(), replace);
  guard.release();
  sync_folder(dest_path.parent_path());
  if (progress && done != total) progress(done, done);
  return done;
}

}  // namespace atomic_file
}  // namespace cairn
