#include "core/local_path_problem.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace cairn {
namespace {

std::string symlink_target(const std::string& path) {
  std::vector<char> buffer(4096);
  const ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size() - 1);
  return n < 0 ? std::string() : std::string(buffer.data(), static_cast<size_t>(n));
}

}  // namespace

std::optional<std::string> local_file_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ELOOP) return std::string("is a symlink loop (following it leads back to itself)");
    struct stat link {};
    if (err == ENOENT && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      return "is a dangling symlink (its target '" + symlink_target(path) + "' does not exist)";
    }
    if (err == ENOENT) return std::string("does not exist");
    if (err == ENOTDIR) return std::string("does not exist (a part of the path is a file, not a folder)");
    return "cannot be opened (" + std::string(std::strerror(err)) + ")";
  }
  if (S_ISDIR(st.st_mode)) return std::string("is a folder, not a file");
  if (!S_ISREG(st.st_mode)) return std::string("is not a regular file");
  if (::access(path.c_str(), R_OK) != 0) {
    return "cannot be opened (" + std::string(std::strerror(errno)) + "); check its permissions";
  }
  return std::nullopt;
}

}  // namespace cairn
