// Entry point of the "s3" plugin: object store "s3" for s3:// URIs. (gs:// is
// the gcs plugin's; it reuses this store for GCS HMAC keys.)
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/plugin.h"
#include "s3_settings.h"
#include "s3_store.h"

namespace {

std::unique_ptr<cairn::ObjectStore> open_s3_store(const cairn::Uri& location, const nlohmann::json& config) {
  if (!location.scheme.empty() && location.scheme != "s3") {
    throw cairn::ConfigError("object store 's3' cannot open '" + location.scheme + "://' URIs; it handles s3://");
  }
  return std::make_unique<s3store::S3Store>(s3store::resolve_s3_settings(location, config));
}

void register_s3_store(cairn::Registrar& registrar) {
  registrar.add_object_store("s3", {"s3"}, &open_s3_store,
                             "Amazon S3 and S3-compatible stores (MinIO, CoreWeave, R2)");
  registrar.describe_config("object_store", "s3", {{"bucket", "string", "\"\"", "the bucket, when not given by the URI"},
                            {"prefix", "string", "\"\"", "a folder inside the bucket that every object name is under"},
                            {"region_name", "string", "\"\"", "the region; empty: AWS_REGION, AWS_DEFAULT_REGION, the profile, then us-east-1"},
                            {"endpoint_url", "string", "\"\"", "an S3-compatible endpoint; empty: S3_ENDPOINT_URL, the profile, then AWS", "\"http://127.0.0.1:9000\""},
                            {"aws_access_key_id", "string", "\"\"", "with aws_secret_access_key; empty: the environment, then AWS_PROFILE"},
                            {"aws_secret_access_key", "string", "\"\"", "given together with aws_access_key_id"},
                            {"aws_session_token", "string", "\"\"", "for temporary credentials"},
                            {"acl", "string", "\"\"", "a canned ACL for uploads; empty: S3_CANNED_ACL"},
                            {"verify", "bool | string", "true", "check TLS certificates (false warns); or the path of a CA bundle"},
                            {"ca_bundle", "string", "\"\"", "a PEM file of the certificates TLS trusts; empty: AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, then the system's"},
                            {"client_config", "object", "{}", "botocore's: retries {mode, max_attempts, total_max_attempts}, s3 {addressing_style}"},
                            {"transfer_config", "object", "{}", "boto3's: multipart_threshold, multipart_chunksize, max_concurrency, use_threads"}});
}

}  // namespace

CAIRN_PLUGIN("s3", "1.0.0", "S3 and S3-compatible object stores over SigV4-signed HTTP", register_s3_store)
