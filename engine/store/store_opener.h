// StoreOpener: how code below the plugin host opens object stores.
//
// Checkpoint loading, remote uploads and the trainer open stores by URI scheme
// or by name without knowing where the factories come from: the PluginHost
// implements this over every loaded plugin, LocalStoreOpener over the engine's
// own local store alone (for a trainer given no plugins).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cairn/object_store.h"

namespace cairn {

class StoreOpener {
 public:
  virtual ~StoreOpener() = default;
  // By registered name and config alone. ConfigError for an unknown name.
  virtual std::shared_ptr<ObjectStore> open_store(const std::string& name, const nlohmann::json& config) const = 0;
  // By the scheme of `uri`. ConfigError for a local path or a scheme no store
  // handles (unhandled_scheme_error).
  virtual std::shared_ptr<ObjectStore> open_store_for_uri(const Uri& uri, const nlohmann::json& config) const = 0;
  virtual bool handles_scheme(const std::string& scheme) const = 0;
};

// The one wording of "nothing opens this URI", for every StoreOpener.
std::string unhandled_scheme_message(const std::string& scheme, const std::vector<std::string>& handled_schemes);
std::string local_path_is_not_a_uri_message(const std::string& path);

// Only the engine's "local" store (file:// URIs).
class LocalStoreOpener : public StoreOpener {
 public:
  std::shared_ptr<ObjectStore> open_store(const std::string& name, const nlohmann::json& config) const override;
  std::shared_ptr<ObjectStore> open_store_for_uri(const Uri& uri, const nlohmann::json& config) const override;
  bool handles_scheme(const std::string& scheme) const override { return scheme == "file"; }
};

}  // namespace cairn
