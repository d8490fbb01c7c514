// A sharded checkpoint folder in an object store: the objects under a prefix
// ("run/checkpoints/ep0-ba4"), complete once `<prefix>/.metadata` exists,
// since the saver uploads it only after every rank's data file has landed.
#pragma once

#include <string>

#include "cairn/object_store.h"

namespace cairn {

// The object whose presence publishes the folder `prefix`: "<prefix>/.metadata".
std::string sharded_metadata_object(const std::string& prefix);

// Whether `prefix` names a sharded checkpoint folder in `store`.
bool is_remote_sharded_folder(ObjectStore& store, const std::string& prefix);

// Downloads the folder `prefix` into the local folder `destination` (created):
// `.metadata` names the data files; they come first and `.metadata` last, so
// that the local folder is a checkpoint only once it is whole. Nothing else
// under the prefix is fetched. `progress` hears about the bytes of all files.
// CheckpointError for a `.metadata` that cannot be parsed; the store's errors
// otherwise.
void download_sharded_folder(ObjectStore& store, const std::string& prefix, const std::string& destination,
                             const ProgressFn& progress = {});

}  // namespace cairn
