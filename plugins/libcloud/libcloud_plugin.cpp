// Entry point of the "libcloud" plugin: object store "libcloud", Composer's
// LibcloudObjectStore, for libcloud://CONTAINER URIs and stores opened by name
// (load_object_store, RemoteUploaderDownloader backend_kwargs), and for
// Composer's azure://CONTAINER URIs (Azure Blob storage).
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/plugin.h"
#include "libcloud_settings.h"
#include "libcloud_store.h"
#include "provider_table.h"

namespace {

std::unique_ptr<cairn::ObjectStore> open_libcloud_store(const cairn::Uri& location, const nlohmann::json& config) {
  if (!location.scheme.empty() && location.scheme != "libcloud" && location.scheme != "azure") {
    throw cairn::ConfigError("object store 'libcloud' cannot open '" + location.scheme +
                             "://' URIs; it handles libcloud:// and azure://");
  }
  const libcloud::LibcloudSettings settings = libcloud::resolve_libcloud_settings(location, config);
  return std::make_unique<libcloud::LibcloudStore>(libcloud::open_provider(settings), settings.chunk_size);
}

void register_libcloud_store(cairn::Registrar& registrar) {
  registrar.add_object_store(
      "libcloud", {"libcloud", "azure"}, &open_libcloud_store,
      "Composer's LibcloudObjectStore: local folders, Azure Blob (also azure://), S3, MinIO, GCS with HMAC keys",
      {{"provider", "string", "", "libcloud's driver: " + libcloud::known_provider_list() + " (azure:// URIs: azure_blobs)", "\"local\""},
       {"container", "string", "", "the container (bucket, folder); libcloud:// and azure:// URIs give it", "\".\""},
       {"provider_kwargs", "object", "",
        "the driver's arguments: key, secret, secure, host, port, region, api_version, timeout, retry_delay (azure:// "
        "URIs need none)",
        "{\"key\": \".\"}"},
       {"key_environ", "string | null", "null", "an environment variable holding key (azure:// URIs: AZURE_ACCOUNT_NAME)"},
       {"secret_environ", "string | null", "null",
        "an environment variable holding secret (azure:// URIs: AZURE_ACCOUNT_ACCESS_KEY)"},
       {"chunk_size", "int", "1048576", "bytes per progress callback"},
       {"ca_bundle", "string", "\"\"", "a PEM file of the certificates TLS trusts; empty: AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, then the system's"},
       {"transfer_config", "object", "{}", "Cairn only: multipart_threshold, multipart_chunksize, max_concurrency"}});
}

}  // namespace

CAIRN_PLUGIN("libcloud", "1.0.0", "Composer's generic libcloud object store: local, Azure Blob, S3, MinIO, GCS",
             register_libcloud_store)
