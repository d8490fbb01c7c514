// Why a local path cannot be opened as a file, in words a user can act on.
//
// One description for every command that reads a local file it was given
// (checkpoints, `cairn cp` sources), so a symlink loop is called a loop
// everywhere, a dangling symlink names its target, and a folder is a folder.
#pragma once

#include <optional>
#include <string>

namespace cairn {

// Nothing when `path` is (or leads through symlinks to) a readable regular
// file; otherwise a phrase to follow the quoted path in a message, such as
// "does not exist", "is a dangling symlink (its target 'x' does not exist)",
// "is a symlink loop (following it leads back to itself)", "is a folder",
// "cannot be opened (Permission denied)".
std::optional<std::string> local_file_problem(const std::string& path);

}  // namespace cairn
