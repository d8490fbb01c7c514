// The SHA-256 manifest of a sharded checkpoint's data files (`cairn_manifest`
// in .metadata): computed by the writer, checked by the reader and `cairn verify`.
#pragma once

#include <string>

#include "checkpoint/sharded/sharded_metadata.h"

namespace cairn::checkpoint::sharded {

// Lower-case hex SHA-256 of the whole file; throws CheckpointError naming
// `name` when it cannot be opened or read.
std::string file_sha256(const std::string& path, const std::string& name);

// Checks that every file the manifest lists is there and every file a chunk
// names is listed, and hashes the manifest's files number `share`, `share` +
// `shares`, ... (all of them by default; the ranks of a job each take a share).
// Throws CheckpointError with one line naming `folder` and the file that is
// missing, unlisted or differs. Does nothing without a manifest.
void verify_data_files(const ShardedMetadata& metadata, const std::string& folder, size_t share = 0,
                       size_t shares = 1);

}  // namespace cairn::checkpoint::sharded
