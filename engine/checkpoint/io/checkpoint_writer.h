// write_checkpoint with knobs that only tests and benchmarks turn.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <ATen/core/ivalue.h>

#include "checkpoint/io/checkpoint_keys.h"

namespace cairn {
class ObjectStore;
}

namespace cairn::checkpoint {

struct CheckpointWriteOptions {
  // Test-only: ZIP64 fields everywhere, as in files over 4 GiB (zip_writer.h).
  bool force_zip64 = false;
  // Signs the manifest (checkpoint_keys.h).
  std::optional<CheckpointKey> signing_key;
};

uint64_t write_checkpoint(const c10::IValue& root, const std::string& path, const CheckpointWriteOptions& options);

// Streams the checkpoint into `store` as `object_name` (whose extension picks
// the format, as a path's does), with no local copy; the object appears only
// when complete (ObjectStore::open_writer). Returns the bytes written. Throws
// StoreError (naming the object's URI) or CheckpointError.
uint64_t stream_checkpoint(const c10::IValue& root, ObjectStore& store, const std::string& object_name,
                           const CheckpointWriteOptions& options);

}  // namespace cairn::checkpoint
