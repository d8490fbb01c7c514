#include "hmac_mode.h"

#include <nlohmann/json.hpp>

#include "s3_settings.h"
#include "s3_store.h"

namespace gcsstore {

bool hmac_keys_set() {
  const char* key = std::getenv("GCS_KEY");
  const char* secret = std::getenv("GCS_SECRET");
  return key != nullptr && *key != '\0' && secret != nullptr && *secret != '\0';
}

std::unique_ptr<cairn::ObjectStore> open_hmac_store(const cairn::Uri& location, const GcsSettings& settings) {
  nlohmann::json config = {{"bucket", settings.bucket}, {"prefix", settings.prefix}};
  if (settings.endpoint_from_config) {
    config["endpoint_url"] = settings.endpoint.scheme + "://" + settings.endpoint.host + settings.endpoint.path;
  }
  s3store::S3Settings s3 = s3store::resolve_gcs_settings(location, config);
  s3.transfer.multipart_threshold = std::max<uint64_t>(1, settings.resumable_threshold);
  s3.transfer.multipart_chunksize = settings.chunk_size;
  s3.transfer.max_concurrency = settings.max_concurrency;
  s3.retry = settings.retry;
  s3.http = settings.http;
  return std::make_unique<s3store::S3Store>(std::move(s3));
}

}  // namespace gcsstore
