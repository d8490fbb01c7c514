#include "provider_table.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include "azure_store.h"
#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "cairn/http/store_settings.h"
#include "local_store.h"
#include "s3_store.h"

namespace libcloud {

namespace http = cairn::http;

namespace {

// The host names of Azure's public and sovereign clouds: on these the account
// is in the host; anywhere else (Azurite, a proxy) it leads the path, as
// libcloud's driver decides.
const char* const kAzureHostSuffixes[] = {".blob.core.windows.net", ".blob.core.chinacloudapi.cn",
                                          ".blob.core.usgovcloudapi.net", ".blob.core.cloudapi.de"};

std::string owner(const LibcloudSettings& s) { return "object store 'libcloud' (provider '" + s.provider + "')"; }

void require_credentials(const LibcloudSettings& s, const std::string& key_meaning, const std::string& secret_meaning) {
  if (s.key.empty()) {
    throw cairn::ConfigError(owner(s) + " for container '" + s.container + "' has no key (" + key_meaning + "): set " +
                             s.key_source);
  }
  if (!secret_meaning.empty() && s.secret.empty()) {
    throw cairn::ConfigError(owner(s) + " for container '" + s.container + "' has no secret (" + secret_meaning +
                             "): set " + s.secret_source);
  }
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// scheme://host[:port] from provider_kwargs; secure (https) unless told otherwise, as in libcloud.
std::string endpoint_url(const LibcloudSettings& s, const std::string& default_host) {
  const bool secure = s.secure.value_or(true);
  return std::string(secure ? "https" : "http") + "://" + (s.host.empty() ? default_host : s.host) +
         (s.port > 0 ? ":" + std::to_string(s.port) : "");
}

template <typename Settings>
void apply_connection_settings(const LibcloudSettings& s, Settings& out) {
  using cairn::http::seconds;
  out.transfer = s.transfer;
  out.http = s.http;
  out.http.connect_timeout_ms = seconds(s.timeout_seconds).count();
  out.http.stall_timeout_ms = seconds(s.timeout_seconds).count();
  out.retry.initial_backoff = seconds(s.retry_delay_seconds);
}

std::unique_ptr<cairn::ObjectStore> open_local(const LibcloudSettings& s) {
  require_credentials(s, "the base folder that holds the containers", "");
  return std::make_unique<LocalContainerStore>(LocalSettings{s.key, s.container, s.uri_scheme, s.chunk_size});
}

std::unique_ptr<cairn::ObjectStore> open_azure(const LibcloudSettings& s) {
  require_credentials(s, "the storage account name", "the storage account's access key");
  AzureSettings azure;
  azure.uri_scheme = s.uri_scheme;
  azure.account = s.key;
  azure.account_key_text = s.secret;
  try {
    azure.account_key = http::base64_decode(s.secret);
  } catch (const cairn::Error&) {
    throw cairn::ConfigError(owner(s) + ": the account key from " + s.secret_source +
                             " is not base64 text; copy it again from the storage account's Access keys");
  }
  const std::string what = owner(s) + " endpoint";
  if (!s.host.empty() || s.blob_endpoint.empty()) {
    azure.endpoint = http::Endpoint::parse(endpoint_url(s, s.key + ".blob.core.windows.net"), what);
    const std::string host = azure.endpoint.host_name();
    bool azure_host = false;
    for (const char* suffix : kAzureHostSuffixes) azure_host = azure_host || ends_with(host, suffix);
    if (!azure_host) azure.endpoint.path = "/" + s.key;
  } else {
    azure.endpoint = http::Endpoint::parse(s.blob_endpoint, what + " (BlobEndpoint)");
  }
  azure.container = s.container;
  if (!s.api_version.empty()) {
    const std::string& v = s.api_version;
    const bool dated = v.size() == 10 && v[4] == '-' && v[7] == '-' &&
                       std::all_of(v.begin(), v.end(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); });
    if (!dated || v < "2019-12-12") {
      throw cairn::ConfigError(owner(s) + ": provider_kwargs.api_version '" + v +
                               "' is not an Azure Storage version from 2019-12-12 on (YYYY-MM-DD; default " +
                               azure.api_version + ")");
    }
    azure.api_version = v;
  }
  apply_connection_settings(s, azure);
  return std::make_unique<AzureBlobStore>(std::move(azure));
}

// s3, minio and google_storage: the s3 plugin's store. libcloud addresses
// buckets path-style (host/bucket/key) on every S3 endpoint.
std::unique_ptr<cairn::ObjectStore> open_s3_family(const LibcloudSettings& s, const std::string& default_host,
                                                   const std::string& default_region) {
  require_credentials(s, s.provider == "google_storage" ? "the HMAC key's access id" : "the access key id",
                      s.provider == "google_storage" ? "the HMAC key's secret" : "the secret access key");
  s3store::S3Settings s3;
  s3.scheme = s.uri_scheme;
  s3.store_name = s.provider;
  s3.bucket = s.container;
  s3.region = s.region.empty() ? default_region : s.region;
  s3.endpoint = http::Endpoint::parse(endpoint_url(s, default_host), owner(s) + " endpoint");
  s3.path_style = true;
  s3.credentials = {s.key, s.secret, ""};
  // libcloud's transient-error rule adds 409 and 425 to S3's.
  s3.extra_retryable_statuses = {409, 425};
  apply_connection_settings(s, s3);
  return std::make_unique<s3store::S3Store>(std::move(s3));
}

struct Provider {
  const char* name;
  std::function<std::unique_ptr<cairn::ObjectStore>(const LibcloudSettings&)> open;
};

const std::vector<Provider>& providers() {
  static const std::vector<Provider> table = {
      {"local", open_local},
      {"azure_blobs", open_azure},
      {"s3", [](const LibcloudSettings& s) {
         const std::string region = s.region.empty() ? "us-east-1" : s.region;
         return open_s3_family(s, "s3." + region + ".amazonaws.com", "us-east-1");
       }},
      {"minio", [](const LibcloudSettings& s) -> std::unique_ptr<cairn::ObjectStore> {
         if (s.host.empty()) {
           throw cairn::ConfigError(owner(s) + " needs provider_kwargs.host: the MinIO server's host name or address");
         }
         return open_s3_family(s, s.host, "us-east-1");
       }},
      {"google_storage", [](const LibcloudSettings& s) { return open_s3_family(s, "storage.googleapis.com", "auto"); }},
  };
  return table;
}

}  // namespace

bool is_known_provider(const std::string& provider) {
  for (const auto& p : providers()) {
    if (provider == p.name) return true;
  }
  return false;
}

std::string known_provider_list() {
  std::string list;
  for (const auto& p : providers()) list += (list.empty() ? "" : ", ") + std::string(p.name);
  return list;
}

std::unique_ptr<cairn::ObjectStore> open_provider(const LibcloudSettings& settings) {
  for (const auto& p : providers()) {
    if (settings.provider == p.name) return p.open(settings);
  }
  throw cairn::ConfigError("object store 'libcloud': unknown provider '" + settings.provider +
                           "'; known providers: " + known_provider_list());
}

}  // namespace libcloud
