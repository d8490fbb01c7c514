// Unwrapping a tar and/or compressed checkpoint into a plain zip on disk.
#pragma once

#include <string>

namespace cairn::checkpoint {

// Decompresses the checkpoint open on `fd` (any compressor libarchive detects;
// a tar's member `composer_states.pt`, or the whole stream otherwise) into an
// already unlinked temporary file in the system temp folder, and returns that
// file's descriptor (the caller closes it; the space is freed on close).
// Throws CheckpointError naming `path` for corrupt, truncated or foreign input.
int extract_checkpoint_member(int fd, const std::string& path);

}  // namespace cairn::checkpoint
