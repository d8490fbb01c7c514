#include "checkpoint/saver/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "cairn/errors.h"

namespace cairn {

const char* const kFolderLockName = ".cairn-lock";

class FolderLock {
 public:
  FolderLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~FolderLock() {
    // Unlinked while still locked: a run that opened the old file re-checks
    // the inode after locking and starts over on the new one.
    ::unlink(path_.c_str());
    ::close(fd_);
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  std::string path_;
  int fd_;
};

namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::map<std::string, std::weak_ptr<FolderLock>>& registry() {
  static std::map<std::string, std::weak_ptr<FolderLock>> locks;
  return locks;
}

std::string this_host() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "unknown-host";
  return host;
}

std::string holder_of(int fd) {
  char buf[512] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string text = n > 0 ? std::string(buf, size_t(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const size_t space = text.find(' ');
  if (text.empty() || space == std::string::npos) return "another process (it has not written its pid yet)";
  return "pid " + text.substr(0, space) + " on host " + text.substr(space + 1);
}

bool same_file(int fd, const std::string& path) {
  struct stat open_st {}, path_st {};
  if (::fstat(fd, &open_st) != 0 || ::stat(path.c_str(), &path_st) != 0) return false;
  return open_st.st_dev == path_st.st_dev && open_st.st_ino == path_st.st_ino;
}

}  // namespace

std::shared_ptr<FolderLock> lock_save_folder(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string key = fs::canonical(folder, ec).string();
  const std::string where = ec ? folder : key;
  std::lock_guard<std::mutex> guard(registry_mutex());
  if (auto held = registry()[where].lock()) return held;

  const std::string path = (fs::path(where) / kFolderLockName).string();
  for (;;) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw ConfigError("save_folder '" + folder + "': cannot create its lock file '" + path + "' (" +
                        std::strerror(errno) + "); choose a folder you can write");
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string holder = err == EWOULDBLOCK ? holder_of(fd) : std::string();
      ::close(fd);
      if (err == EWOULDBLOCK) {
        throw ConfigError("save_folder '" + folder + "' is in use by another run (" + holder +
                          "); wait for that run to finish, stop it, or choose another save_folder");
      }
      throw ConfigError("save_folder '" + folder + "': cannot lock '" + path + "' (" + std::strerror(err) +
                        "); use a folder on a filesystem that supports flock");
    }
    // The holder may have unlinked the file between our open and our lock.
    if (!same_file(fd, path)) {
      ::close(fd);
      continue;
    }
    const std::string me = std::to_string(::getpid()) + " " + this_host() + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != ssize_t(me.size())) {
      const int err = errno;
      ::close(fd);
      throw ConfigError("save_folder '" + folder + "': cannot write its lock file '" + path + "' (" +
                        std::strerror(err) + "); free space there or choose another save_folder");
    }
    auto lock = std::make_shared<FolderLock>(path, fd);
    registry()[where] = lock;
    return lock;
  }
}

}  // namespace cairn
