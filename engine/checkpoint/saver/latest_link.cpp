#include "checkpoint/saver/latest_link.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cairn/errors.h"

namespace cairn {

void replace_symlink(const std::string& link, const std::string& target) {
  namespace fs = std::filesystem;
  const fs::path link_path = fs::absolute(link).lexically_normal();
  const fs::path dir = link_path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw CheckpointError("cannot create the folder of latest checkpoint link '" + link + "' (" + ec.message() +
                          "); check the permissions of '" + dir.string() + "'");
  }
  const fs::path relative = fs::absolute(target).lexically_normal().lexically_relative(dir);

  // rename(2) replaces the old link in one step; remove-then-create would leave
  // a moment with no "latest" at all for autoresume to find.
  const fs::path temp = dir / ("." + link_path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  ::unlink(temp.c_str());
  if (::symlink(relative.c_str(), temp.c_str()) != 0) {
    const int err = errno;
    throw CheckpointError("cannot create latest checkpoint link '" + link + "' (" + std::strerror(err) +
                          "); the save folder's filesystem must support symlinks");
  }
  if (std::rename(temp.c_str(), link_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw CheckpointError("cannot replace latest checkpoint link '" + link + "' (" + std::strerror(err) +
                          "); remove whatever is at that path or choose another latest_filename");
  }
}

}  // namespace cairn
