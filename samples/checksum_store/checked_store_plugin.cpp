// Entry point of the "checked_store" plugin: object store "checked" for
// checked:// URIs, config {"root": "/abs/folder"} (required when opened by name).
#include <nlohmann/json.hpp>

#include "cairn/config.h"
#include "cairn/plugin.h"
#include "checked_store.h"

namespace {

std::unique_ptr<cairn::ObjectStore> open_checked_store(const cairn::Uri& location, const nlohmann::json& json) {
  cairn::Config cfg("object store 'checked'", json);
  const nlohmann::json root_field = cfg.get<nlohmann::json>("root", nullptr);
  if (!root_field.is_null() && !root_field.is_string()) cfg.fail("root", "must be a folder path or null");
  std::string root = root_field.is_null() ? "" : root_field.get<std::string>();
  cfg.finish();
  if (root.empty()) {
    if (location.scheme.empty()) cfg.fail("root", "is required when the store is opened by name");
    if (!location.bucket.empty() && location.bucket != "localhost") {
      throw cairn::ConfigError("checked:// URIs name a local folder: write checked:///absolute/path (three slashes), not host '" +
                               location.bucket + "'");
    }
    root = "/";
  }
  return std::make_unique<checked_store::CheckedStore>(root);
}

void register_checked_store(cairn::Registrar& registrar) {
  registrar.add_object_store("checked", {"checked"}, &open_checked_store,
                             "a local folder with a SHA-256 sidecar per object, verified on download");
  registrar.describe_config("object_store", "checked", {{"root", "string | null", "null", "the folder; null: the checked:///path URI's (required when opened by name)", "\"/tmp\""}});
}

}  // namespace

CAIRN_PLUGIN("checked_store", "1.0.0", "Folder object store that verifies SHA-256 checksums", register_checked_store)
