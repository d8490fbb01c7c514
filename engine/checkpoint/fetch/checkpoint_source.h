// Where a checkpoint to load comes from, and fetching it to a local file.
//
// `load_path` is a local path, a URI whose scheme a loaded store plugin
// handles ("s3://bucket/run/ep1.pt"), or, with `load_object_store`, an object
// name inside that store. An object that does not exist is retried as
// "<name>.symlink" (the remote "latest" pointer, whose content names the real
// object), as Composer's get_file does. A name (or a pointer's target) that is
// the prefix of a sharded checkpoint folder in the store arrives as a local
// folder (sharded_download.h).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cairn/object_store.h"

namespace cairn {

class Logger;
class StoreOpener;

// A checkpoint available as a local file, or folder when sharded, for the
// duration of this object.
class FetchedCheckpoint {
 public:
  FetchedCheckpoint(std::string local_path, std::string description, std::string temp_dir);
  ~FetchedCheckpoint();
  FetchedCheckpoint(const FetchedCheckpoint&) = delete;
  FetchedCheckpoint& operator=(const FetchedCheckpoint&) = delete;

  const std::string& local_path() const { return local_path_; }
  // What the user asked for ("s3://b/ep1.pt", "./ckpt/latest-rank0.pt") for messages.
  const std::string& description() const { return description_; }

 private:
  std::string local_path_;
  std::string description_;
  std::string temp_dir_;  // removed on destruction when non-empty
};

// Makes a temporary folder, has `download` write the checkpoint to the path it
// is given inside it, and returns it as fetched (described as `description`).
// The folder is removed again if `download` throws, and the error goes on.
std::unique_ptr<FetchedCheckpoint> download_to_temp_folder(const std::string& description,
                                                           const std::function<void(const std::string&)>& download);

// Resolves and fetches. CheckpointError when it does not exist (naming it),
// ConfigError when the URI scheme has no store. `progress` hears about the
// checkpoint's download (not the pointer's), e.g. to draw a progress bar.
std::unique_ptr<FetchedCheckpoint> fetch_checkpoint(const std::string& load_path,
                                                    const std::shared_ptr<ObjectStore>& store,
                                                    const StoreOpener* stores, const ProgressFn& progress = {});

// Downloads `object_name` from `store` to `destination`, following a
// "<name>.symlink" pointer when the object itself does not exist; a sharded
// folder becomes the folder `destination`.
void download_following_symlinks(ObjectStore& store, const std::string& object_name, const std::string& destination,
                                 const ProgressFn& progress = {});

}  // namespace cairn
