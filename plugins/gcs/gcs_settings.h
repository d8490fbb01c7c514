// Everything a gcs store needs to know, from its JSON config and the
// environment. Credentials are not resolved here (credentials.h): only where
// requests go and how transfers are cut.
//
// Config keys (Composer's GCSObjectStore takes bucket and prefix; the rest
// keep the names of Google's client libraries):
//   bucket, prefix, project (billed for requests: x-goog-user-project),
//   credentials_file (a service_account or authorized_user JSON key file),
//   api_endpoint (client_options.api_endpoint), chunk_size (resumable upload
//   chunks, a multiple of 256 KiB), resumable_threshold, download_chunk_size,
//   max_concurrency, timeout (seconds), retry {initial, maximum, deadline,
//   max_attempts} (google.api_core.retry's names, seconds).
// Environment: STORAGE_EMULATOR_HOST (the endpoint when api_endpoint is not
// given, with no authorization, as Google's libraries do).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cairn/http/client.h"
#include "cairn/http/url.h"
#include "cairn/retry.h"

namespace cairn {
struct Uri;
}

namespace gcsstore {

// GCS accepts resumable-upload chunks (all but the last) in multiples of this.
constexpr uint64_t kChunkGranularity = 256 * 1024;

struct GcsSettings {
  std::string bucket;
  std::string prefix;  // "" or ending in '/'
  cairn::http::Endpoint endpoint;  // JSON API root: https://storage.googleapis.com
  bool endpoint_from_config = false;  // api_endpoint was given (HMAC mode uses it too)
  bool emulator = false;              // the endpoint is STORAGE_EMULATOR_HOST: no authorization
  std::string credentials_file;       // "" = Application Default Credentials
  std::string project;                // x-goog-user-project; "" = the credentials' quota project
  uint64_t chunk_size = 100ull << 20;           // google-cloud-storage's default for resumable uploads
  uint64_t resumable_threshold = 8ull << 20;    // smaller files go in one request (its _MAX_MULTIPART_SIZE)
  uint64_t download_chunk_size = 32ull << 20;   // ranges of larger downloads (its transfer_manager's)
  int max_concurrency = 8;                      // ranges in flight
  cairn::RetryPolicy retry;                     // google.api_core's DEFAULT_RETRY, attempts bounded
  cairn::http::ClientOptions http;
};

// `location` is the URI the store is opened for (its bucket), or empty when
// opened by name; the config's bucket must then be given. ConfigError for
// anything missing or malformed, naming the key and what to do.
GcsSettings read_gcs_settings(const cairn::Uri& location, const nlohmann::json& config);

// The default retry policy: google.api_core's DEFAULT_RETRY (1 s doubling to
// 60 s, 120 s deadline) with full jitter, at most 10 attempts.
cairn::RetryPolicy google_retry_policy();

}  // namespace gcsstore
