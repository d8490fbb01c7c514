// Unwrapping a tar and/or compressed checkpoint into a plain zip on disk.
#pragma once

#include <string>

namespace cairn::checkpoint {

// Decompresses the checkpoint open on `fd` (any compressor libarchive detects;
// a tar's member `composer_states.pt`, or the whole stream otherwise) into an
// already unlinked temporary file in the system temp folder, and returns that
// file's descriptor (the caller closes it; the space is freed on close).
// Throws CheckpointError naming `path` for corrupt, truncated or foreign input.
//
// Decompression is bounded, so that a small hostile file cannot fill the temp
// disk: by the member size a tar declares, and by a limit of
// max(1 GiB, 64 x the compressed size) that the environment variable
// CAIRN_MAX_DECOMPRESSED_BYTES replaces. Beyond it: CheckpointError naming
// the variable (ConfigError when the variable is not a number).
int extract_checkpoint_member(int fd, const std::string& path);

extern const char* const kMaxDecompressedBytesVariable;

}  // namespace cairn::checkpoint
