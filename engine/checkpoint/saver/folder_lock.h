// One run per save folder: an advisory lock held while a saver uses a folder.
//
// Two runs saving into one folder (with save_overwrite) interleave and rotate
// away each other's checkpoints. The lock is flock(2) on `.cairn-lock` in the
// folder: the kernel drops it when the process dies, however it dies, so a
// crashed run never blocks the next one. The file holds "pid host" so that the
// refused run can say who holds the folder.
//
// Within one process the lock is shared: savers of one program (a resumed
// trainer next to the one it resumes, a user's saver beside the trainer's)
// are that program's business, not another run's.
#pragma once

#include <memory>
#include <string>

namespace cairn {

class FolderLock;

// Locks `folder` (which must exist) for this process. ConfigError naming the
// folder, and the pid and host of the holder, when another process holds it.
// The lock is released when the last handle of this process goes.
std::shared_ptr<FolderLock> lock_save_folder(const std::string& folder);

// The name of the lock file inside a locked folder.
extern const char* const kFolderLockName;

}  // namespace cairn
