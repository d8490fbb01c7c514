// LocalContainerStore: libcloud's `local` provider, in the layout of Apache
// libcloud's LocalStorageDriver, so that libcloud itself reads what Cairn
// writes and the reverse: `key` is a base folder, each container a folder in
// it, each object a file whose name's slashes are folders
// (<key>/<container>/dir/name.pt). libcloud keeps no metadata files; its
// listings skip folders named `.lock` and `.hash` at any depth, and its
// writers lock a file in the system temporary folder for the time of a write.
//
// Cairn writes each upload under <container>/.lock/ (hidden from libcloud's
// listings, on the same filesystem) and renames it into place, so a reader
// never sees a partial object and a failed upload leaves nothing visible.
// It does not take libcloud's lock files: a rename cannot tear an object, and
// libcloud never removes those files, so taking them would litter /tmp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cairn/object_store.h"

namespace libcloud {

struct LocalSettings {
  std::string base_folder;        // libcloud's `key`
  std::string container;          // a folder in base_folder ("." is base_folder itself)
  std::string uri_scheme = "local";
  uint64_t chunk_size = 1 << 20;  // the copy's unit
};

class LocalContainerStore : public cairn::ObjectStore {
 public:
  // ConfigError when the base folder or the container folder does not exist,
  // as libcloud's driver and get_container refuse them.
  explicit LocalContainerStore(LocalSettings settings);

  std::string get_uri(const std::string& object_name) const override;
  void upload_object(const std::string& object_name, const std::string& filename,
                     const cairn::ProgressFn& progress = {}) override;
  void download_object(const std::string& object_name, const std::string& filename, bool overwrite = false,
                       const cairn::ProgressFn& progress = {}) override;
  uint64_t get_object_size(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // Every file under the container whose name starts with `prefix`, sorted;
  // `.lock` and `.hash` folders skipped, as libcloud skips them.
  std::vector<std::string> list_objects(const std::string& prefix = "", const cairn::ProgressFn& progress = {}) override;
  // Removes the file, then its parent folders up to the container while they
  // are empty, as libcloud does.
  void delete_object(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // Writes the stream into a staged file as upload_object copies into one,
  // renamed into place at commit (local_stream.cpp).
  std::unique_ptr<cairn::ObjectWriter> open_writer(const std::string& object_name, uint64_t size_hint = 0,
                                                   const cairn::ProgressFn& progress = {}) override;

 private:
  // The object's path; StoreError naming `operation` for a name that would
  // leave the container or that libcloud could not list.
  std::string path_of(const std::string& operation, const std::string& object_name) const;
  [[noreturn]] void fail(const std::string& operation, const std::string& object_name, const std::string& step) const;

  LocalSettings settings_;
  std::string container_path_;
};

}  // namespace libcloud
