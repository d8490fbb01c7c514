// Entry point of the "oci" plugin: object store "oci" for oci:// URIs, on OCI
// Object Storage's native API with the API keys of ~/.oci/config.
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/plugin.h"
#include "oci_settings.h"
#include "oci_store.h"

namespace {

std::unique_ptr<cairn::ObjectStore> open_oci_store(const cairn::Uri& location, const nlohmann::json& config) {
  if (!location.scheme.empty() && location.scheme != "oci") {
    throw cairn::ConfigError("object store 'oci' cannot open '" + location.scheme + "://' URIs; it handles oci://");
  }
  return std::make_unique<ocistore::OciStore>(ocistore::resolve_oci_settings(location, config));
}

void register_oci_store(cairn::Registrar& registrar) {
  registrar.add_object_store(
      "oci", {"oci"}, &open_oci_store, "Oracle Cloud Infrastructure Object Storage (API keys of ~/.oci/config)",
      {{"bucket", "string", "\"\"", "the bucket, when not given by the URI"},
       {"prefix", "string", "\"\"", "a folder inside the bucket that every object name is under"},
       {"namespace", "string", "\"\"", "the Object Storage namespace; empty: asked from the service (GET /n/)"},
       {"config_file", "string", "\"\"", "the OCI config file; empty: OCI_CONFIG_FILE, then ~/.oci/config"},
       {"profile", "string", "\"\"", "its profile; empty: OCI_CLI_PROFILE, then DEFAULT"},
       {"region", "string", "\"\"", "overrides the profile's region"},
       {"endpoint_url", "string", "\"\"", "empty: OCI_OBJECT_STORAGE_ENDPOINT, then https://objectstorage.{region}.oraclecloud.com",
        "\"http://127.0.0.1:8080\""},
       {"part_size", "int", "134217728", "files larger than this are uploaded in parts of this size (10 MiB to 50 GiB)"},
       {"parallel_process_count", "int", "3", "parts of one upload sent at once"},
       {"min_part_size", "int", "128000000", "downloads are split into ranges of at least this many bytes..."},
       {"num_parts", "int", "10", "...and at most this many, fetched at once"},
       {"timeout", "float | [float, float]", "[10, 60]", "seconds: to connect and without a byte moving"},
       {"ca_bundle", "string", "\"\"", "a PEM file of the certificates TLS trusts; empty: AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, then the system's"},
       {"retry_strategy", "object", "{}", "{max_attempts (8), total_elapsed_time_seconds (600)}"}});
}

}  // namespace

CAIRN_PLUGIN("oci", "1.0.0", "OCI Object Storage over signed HTTP (OCI's native API)", register_oci_store)
