#include "checkpoint/fetch/checkpoint_source.h"

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/object_store.h"
#include "checkpoint/fetch/sharded_download.h"
#include "checkpoint/io/latest_pointer.h"
#include "core/local_path_problem.h"
#include "core/temp_folder.h"
#include "store/store_opener.h"

namespace cairn {
namespace fs = std::filesystem;

FetchedCheckpoint::FetchedCheckpoint(std::string local_path, std::string description, std::string temp_dir)
    : local_path_(std::move(local_path)), description_(std::move(description)), temp_dir_(std::move(temp_dir)) {}

FetchedCheckpoint::~FetchedCheckpoint() {
  if (!temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
  }
}

void download_following_symlinks(ObjectStore& store, const std::string& object_name, const std::string& destination,
                                 const ProgressFn& progress) {
  std::string name = object_name;
  while (name.size() > 1 && name.back() == '/') name.pop_back();  // a folder given as "run/ep0-ba4/"
  // A pointer names another object; a short chain is fine, a cycle is not.
  for (int hop = 0; hop < 8; ++hop) {
    if (!checkpoint::is_pointer_name(name)) {
      try {
        store.download_object(name, destination, /*overwrite=*/true, progress);
        return;
      } catch (const NotFoundError&) {
        try {
          store.get_object_size(name + checkpoint::kPointerSuffix);
        } catch (const NotFoundError&) {
          if (is_remote_sharded_folder(store, name)) {
            download_sharded_folder(store, name, destination, progress);
            return;
          }
          throw NotFoundError("checkpoint '" + store.get_uri(name) + "' does not exist (nor a '" + name +
                              ".symlink' pointer, nor a sharded checkpoint folder with a .metadata); check the "
                              "name, or list the store with 'cairn ls'");
        }
        name += checkpoint::kPointerSuffix;
        continue;
      }
    }
    store.download_object(name, destination, /*overwrite=*/true);
    const std::string target = checkpoint::read_pointer_file(destination);
    // Its target may be a sharded folder, which becomes `destination` itself.
    std::error_code ec;
    fs::remove(destination, ec);
    if (target.empty()) throw CheckpointError("pointer '" + store.get_uri(name) + "' is empty; it should name a checkpoint object");
    name = target;
  }
  throw CheckpointError("pointer '" + store.get_uri(object_name) + "' leads through more than 8 .symlink objects; check for a cycle");
}

std::unique_ptr<FetchedCheckpoint> fetch_checkpoint(const std::string& load_path, const std::shared_ptr<ObjectStore>& store,
                                                    const StoreOpener* stores, const ProgressFn& progress) {
  std::shared_ptr<ObjectStore> source = store;
  std::string object_name = load_path;
  if (!source) {
    const Uri uri = Uri::parse(load_path);
    if (uri.is_local()) {
      std::error_code ec;
      if (fs::is_directory(load_path, ec)) {
        throw CheckpointError("load_path '" + load_path + "' is a folder; give the checkpoint file inside it (e.g. its latest-rank0.pt)");
      }
      if (const std::optional<std::string> problem = local_file_problem(load_path)) {
        throw CheckpointError("load_path '" + load_path + "' " + *problem +
                              "; check the path, or drop load_path to start fresh");
      }
      return std::make_unique<FetchedCheckpoint>(load_path, load_path, "");
    }
    if (stores == nullptr) {
      throw ConfigError("load_path '" + load_path + "' is a '" + uri.scheme +
                        "://' URI but no plugins are loaded to open it; load the store plugin (cairn plugins)");
    }
    source = stores->open_store_for_uri(uri, nlohmann::json::object());
    object_name = uri.path;
  }
  return download_to_temp_folder(source->get_uri(object_name), [&](const std::string& local) {
    download_following_symlinks(*source, object_name, local, progress);
  });
}

std::unique_ptr<FetchedCheckpoint> download_to_temp_folder(const std::string& description,
                                                           const std::function<void(const std::string&)>& download) {
  const std::string temp_dir = make_temp_folder("cairn-load-", "to download the checkpoint '" + description + "' into");
  const std::string local = (fs::path(temp_dir) / "checkpoint").string();
  try {
    download(local);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
    throw;
  }
  return std::make_unique<FetchedCheckpoint>(local, description, temp_dir);
}

}  // namespace cairn
