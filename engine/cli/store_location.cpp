#include "cli/store_location.h"

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"

namespace cairn::cli {

StoreLocation resolve_location(const std::string& text, const nlohmann::json& store_config, const PluginHost& host) {
  StoreLocation location;
  location.text = text;
  const Uri uri = Uri::parse(text);
  if (uri.is_local()) {
    location.local_path = text;
    return location;
  }
  try {
    location.store = host.open_store_for_uri(uri, store_config);
  } catch (const ConfigError& e) {
    throw ConfigError("'" + text + "': " + e.what());
  }
  location.object_name = uri.path;
  return location;
}

nlohmann::json parse_store_config(const std::string& text) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("--store-config is not valid JSON: " + std::string(e.what()));
  }
  if (!config.is_object()) throw ConfigError("--store-config must be a JSON object, got " + config.dump());
  return config;
}

std::shared_ptr<PluginHost> load_plugins(const std::vector<std::string>& plugin_dirs) {
  auto host = std::make_shared<EngineHost>();
  host->load_all(plugin_dirs);
  return host;
}

}  // namespace cairn::cli
