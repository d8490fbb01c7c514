// Everything an OCI store needs to know, from its JSON config, the
// environment and the OCI config file (oci_config_file.h), in that order.
//
// Config keys: Composer's OCIObjectStore arguments (bucket, prefix), its
// download_object's (min_part_size, num_parts), the OCI UploadManager's
// (part_size, parallel_process_count), and where the SDKs would look:
//   config_file, profile    the OCI config file and profile (default:
//                           OCI_CONFIG_FILE or ~/.oci/config; OCI_CLI_PROFILE or DEFAULT)
//   region                  overrides the profile's region
//   namespace               the Object Storage namespace; "" asks GET /n/
//   endpoint_url            default https://objectstorage.{region}.oraclecloud.com,
//                           else OCI_OBJECT_STORAGE_ENDPOINT (private endpoints, tests)
//   timeout                 seconds: a number (both) or [connect, read]
//   retry_strategy          {max_attempts, total_elapsed_time_seconds} (the OCI
//                           SDKs' DEFAULT_RETRY_STRATEGY: 8 attempts, 600 s)
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cairn/http/client.h"
#include "cairn/http/retry.h"
#include "cairn/http/url.h"
#include "oci_signer.h"

namespace cairn {
struct Uri;
}

namespace ocistore {

// Object Storage's multipart limits: parts of 10 MiB to 50 GiB (the last may
// be smaller), at most 10,000 of them.
constexpr uint64_t kMinPartSize = 10ull << 20;
constexpr uint64_t kMaxPartSize = 50ull << 30;
constexpr uint64_t kMaxParts = 10'000;

struct TransferSettings {
  uint64_t part_size = 128ull << 20;  // UploadManager's DEFAULT_PART_SIZE; larger files go in parts
  int parallel_process_count = 3;     // UploadManager's default: parts in flight per upload
  uint64_t min_part_size = 128'000'000;  // Composer's download_object: ranges of at least this...
  int num_parts = 10;                    // ...and at most this many, fetched concurrently
};

struct OciSettings {
  std::string bucket;
  std::string prefix;          // "" or ending in '/'
  std::string namespace_name;  // "" until GET /n/ tells
  std::string region;
  cairn::http::Endpoint endpoint;
  SigningKey key;
  std::string config_file;  // where the key came from, for messages
  std::string profile;
  TransferSettings transfer;
  cairn::RetryPolicy retry;
  cairn::http::ClientOptions http;
};

// The SDKs' retry strategy: 8 attempts, no new one 600 s after the first,
// exponential backoff with full jitter capped at 30 s.
cairn::RetryPolicy oci_default_retry_policy();

// `location` is the URI the store is opened for (its bucket), or empty when
// opened by name. ConfigError for anything missing or malformed: the store's
// own keys name the key; the config file's problems name the file, profile
// and key (Composer: "Error with using your OCI config file").
OciSettings resolve_oci_settings(const cairn::Uri& location, const nlohmann::json& config);

}  // namespace ocistore
