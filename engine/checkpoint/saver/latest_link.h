// The local "latest" pointer: a relative POSIX symlink, replaced atomically.
#pragma once

#include <string>

namespace cairn {

// Makes `link` a symlink to `target`, written relative to link's directory
// (Python's os.path.relpath(target, dirname(link))) so the folder can be moved
// or mounted elsewhere. Creates link's directory. The new link is made under a
// temporary name beside `link` and renamed over it, so a reader never sees the
// pointer missing. Throws CheckpointError naming the link on failure.
void replace_symlink(const std::string& link, const std::string& target);

}  // namespace cairn
