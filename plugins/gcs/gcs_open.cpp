#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "credentials.h"
#include "gcs_store.h"
#include "hmac_mode.h"

namespace gcsstore {

std::unique_ptr<cairn::ObjectStore> open_store(const cairn::Uri& location, const nlohmann::json& config) {
  if (!location.scheme.empty() && location.scheme != "gs") {
    throw cairn::ConfigError("object store 'gcs' cannot open '" + location.scheme + "://' URIs; it handles gs://");
  }
  GcsSettings settings = read_gcs_settings(location, config);
  // Composer's order: HMAC keys first, then Application Default Credentials.
  if (hmac_keys_set()) return open_hmac_store(location, settings);
  auto tokens = find_credentials(settings);
  return std::make_unique<GcsStore>(std::move(settings), std::move(tokens));
}

}  // namespace gcsstore
