#include "store/store_opener.h"

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "store/local_store.h"

namespace cairn {

std::string unhandled_scheme_message(const std::string& scheme, const std::vector<std::string>& handled_schemes) {
  std::string list;
  for (const auto& s : handled_schemes) list += (list.empty() ? "" : ", ") + s;
  return "no loaded plugin handles '" + scheme + "://' URIs (loaded schemes: " + list +
         "); install a plugin for it into a plugin directory";
}

std::string local_path_is_not_a_uri_message(const std::string& path) {
  return "'" + path + "' is a local path, not a URI; write file:///absolute/path to open it as a store";
}

std::shared_ptr<ObjectStore> LocalStoreOpener::open_store(const std::string& name,
                                                          const nlohmann::json& config) const {
  if (name != "local") {
    throw ConfigError("unknown object store '" + name + "'; loaded object stores: local");
  }
  return LocalStore::create(Uri{}, config);
}

std::shared_ptr<ObjectStore> LocalStoreOpener::open_store_for_uri(const Uri& uri, const nlohmann::json& config) const {
  if (uri.is_local()) throw ConfigError(local_path_is_not_a_uri_message(uri.path));
  if (!handles_scheme(uri.scheme)) throw ConfigError(unhandled_scheme_message(uri.scheme, {"file"}));
  return LocalStore::create(uri, config);
}

}  // namespace cairn
