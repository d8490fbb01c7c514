// LocalStore: an ObjectStore over a directory of the local file system.
//
// Registered by the engine as object store "local" for the "file" URI scheme.
//
// How a file URI is split into store root and object name: as for every other
// scheme, the URI's authority is the store root and its path the object name
// (Composer's parse_uri). A file URI has an empty authority, so the root is
// "/" and the object name is the absolute path without its leading '/':
//
//   file:///tmp/ckpt/ep1.pt  ->  root "/", object "tmp/ckpt/ep1.pt"
//
// which makes `get_uri(object)` give back the URI that was opened, and lets a
// caller treat local and remote folders alike ("<folder path>/<file name>").
// A config {"root": "/some/dir"} (or a store opened by name) roots the store
// at that directory instead; object names are then relative to it.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cairn/object_store.h"

namespace cairn {

class LocalStore : public ObjectStore {
 public:
  // `root` is made absolute; it need not exist yet (uploads create it).
  explicit LocalStore(const std::string& root);

  // The factory registered as "local": `location` is a file:// URI or empty;
  // config {"root": "<dir>"} is required when opened by name, optional otherwise.
  static std::unique_ptr<ObjectStore> create(const Uri& location, const nlohmann::json& config);

  const std::string& root() const { return root_; }

  std::string get_uri(const std::string& object_name) const override;
  void upload_object(const std::string& object_name, const std::string& filename,
                     const ProgressFn& progress = {}) override;
  void download_object(const std::string& object_name, const std::string& filename, bool overwrite = false,
                       const ProgressFn& progress = {}) override;
  uint64_t get_object_size(const std::string& object_name, const ProgressFn& progress = {}) override;
  std::vector<std::string> list_objects(const std::string& prefix = "", const ProgressFn& progress = {}) override;
  void delete_object(const std::string& object_name, const ProgressFn& progress = {}) override;
  // A temporary file beside the object, renamed into place at commit.
  std::unique_ptr<ObjectWriter> open_writer(const std::string& object_name, uint64_t size_hint = 0,
                                            const ProgressFn& progress = {}) override;

 private:
  // Absolute path of an object; rejects names that are empty or leave the root.
  std::string object_path(const std::string& operation, const std::string& object_name) const;
  std::string store_uri() const;

  std::string root_;
};

}  // namespace cairn
