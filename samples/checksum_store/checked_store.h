// CheckedStore: objects are files under a root folder, each with a sidecar
// "<name>.sha256" in sha256sum's format ("<hex>  <file name>"), so
// `sha256sum -c` in the folder checks them too. Downloads recompute the
// digest and refuse a mismatch, so bit rot or a truncated copy is never
// handed to the trainer as a checkpoint.
//
// URIs: checked:///abs/path/obj -> root "/", object "abs/path/obj" (the
// authority is the root, the path the object name, as for file://).
#pragma once

#include <string>
#include <vector>

#include "cairn/object_store.h"

namespace checked_store {

class CheckedStore : public cairn::ObjectStore {
 public:
  explicit CheckedStore(std::string root);

  std::string get_uri(const std::string& object_name) const override;
  void upload_object(const std::string& object_name, const std::string& filename,
                     const cairn::ProgressFn& progress = {}) override;
  void download_object(const std::string& object_name, const std::string& filename, bool overwrite = false,
                       const cairn::ProgressFn& progress = {}) override;
  uint64_t get_object_size(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  std::vector<std::string> list_objects(const std::string& prefix = "", const cairn::ProgressFn& progress = {}) override;
  void delete_object(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;

 private:
  std::string path_of(const std::string& operation, const std::string& object_name) const;
  std::string message(const std::string& operation, const std::string& object_name, const std::string& cause) const;

  std::string root_;
};

}  // namespace checked_store
