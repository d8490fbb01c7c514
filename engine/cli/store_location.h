// One side of `cairn cp` / `cairn ls`: a local path, or an object in a store
// named by a URI whose scheme a loaded plugin handles (s3://bucket/key,
// file:///abs/path).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cairn/object_store.h"

namespace cairn {
class PluginHost;
}

namespace cairn::cli {

struct StoreLocation {
  std::string text;                     // as the user wrote it, for messages
  std::shared_ptr<ObjectStore> store;   // empty for a local path
  std::string object_name;              // in `store`
  std::string local_path;               // when there is no store

  bool is_local() const { return !store; }
};

// ConfigError naming the scheme (and the handled ones) when no plugin handles it.
StoreLocation resolve_location(const std::string& text, const nlohmann::json& store_config, const PluginHost& host);

// The --store-config value: a JSON object. ConfigError otherwise.
nlohmann::json parse_store_config(const std::string& text);

// The plugin host for the transfer commands, with --plugin-dir folders.
std::shared_ptr<PluginHost> load_plugins(const std::vector<std::string>& plugin_dirs);

}  // namespace cairn::cli
