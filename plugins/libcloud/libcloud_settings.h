// The settings of a libcloud store, from Composer's LibcloudObjectStore
// arguments (the store's JSON config) and the environment:
//
//   provider         libcloud's driver name: local, azure_blobs, s3, minio,
//                    google_storage (any case: AZURE_BLOBS)
//   container        the container (bucket, folder); a libcloud://CONTAINER or
//                    azure://CONTAINER URI gives it
//   provider_kwargs  the driver's arguments: key, secret, secure, host, port,
//                    region, api_version, and libcloud's connection settings
//                    timeout (seconds) and retry_delay (seconds)
//   key_environ, secret_environ
//                    environment variables holding key and secret, read only
//                    when provider_kwargs has no key / secret
//   chunk_size       bytes per progress callback (Composer: 1 MiB)
//   transfer_config  (Cairn only) multipart_threshold, multipart_chunksize,
//                    max_concurrency, as the s3 store's
//   ca_bundle        (Cairn only) a PEM file of the certificates TLS trusts;
//                    empty: AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE (libcloud's own),
//                    SSL_CERT_FILE, then the system's (store_settings.h)
//
// azure:// URIs are Composer's: provider azure_blobs, key_environ
// AZURE_ACCOUNT_NAME, secret_environ AZURE_ACCOUNT_ACCESS_KEY; what those
// leave unset (account, key, endpoint) comes from the Azure tools'
// AZURE_STORAGE_CONNECTION_STRING when it is set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cairn/http/client.h"
#include "cairn/retry.h"
#include "s3_settings.h"

namespace cairn {
struct Uri;
}

namespace libcloud {

struct LibcloudSettings {
  std::string provider;    // lower case
  std::string uri_scheme;  // what get_uri writes: the provider's name, or "azure"
  std::string container;
  std::string key;         // the account, access key id, or local base folder
  std::string secret;
  std::string key_source;  // where the key came from, for messages ("provider_kwargs.key", "$AZURE_ACCOUNT_NAME")
  std::string secret_source;
  std::optional<bool> secure;  // unset: the provider's default (https)
  std::string host;            // "" : the provider's default
  int port = 0;                // 0: the scheme's default
  std::string region;
  std::string api_version;
  // A full blob endpoint from a connection string ("http://127.0.0.1:10000/devstoreaccount1").
  std::string blob_endpoint;
  uint64_t chunk_size = 1 << 20;
  s3store::TransferSettings transfer;
  double timeout_seconds = 60;   // connect and stall timeout
  double retry_delay_seconds = 0.2;  // the first retry's pause (then doubling, full jitter)
  cairn::http::ClientOptions http;   // TLS trust (ca_bundle); the timeouts come from timeout_seconds
};

// ConfigError for anything missing or malformed, naming the field and what to do.
LibcloudSettings resolve_libcloud_settings(const cairn::Uri& location, const nlohmann::json& config);

}  // namespace libcloud
