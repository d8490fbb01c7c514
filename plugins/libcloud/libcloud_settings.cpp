#include "libcloud_settings.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "cairn/config.h"
#include "cairn/http/store_settings.h"
#include "cairn/object_store.h"
#include "provider_table.h"

namespace libcloud {

namespace {

// Composer's azure:// mapping (maybe_create_object_store_from_uri).
const char* const kAzureKeyEnviron = "AZURE_ACCOUNT_NAME";
const char* const kAzureSecretEnviron = "AZURE_ACCOUNT_ACCESS_KEY";
const char* const kConnectionStringEnviron = "AZURE_STORAGE_CONNECTION_STRING";
// Azurite's (the Azure emulator's) published development account.
const char* const kDevelopmentAccount = "devstoreaccount1";
const char* const kDevelopmentKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr uint64_t kMaxChunk = 4000ull << 20;  // Azure's largest block

using cairn::http::env;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// "Name=value;Name=value" as the Azure SDKs read it: names in any case,
// values may hold '=' (base64 keys).
std::map<std::string, std::string> parse_connection_string(const std::string& text) {
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find(';', start), text.size());
    const std::string item = text.substr(start, end - start);
    const size_t equals = item.find('=');
    if (equals != std::string::npos) fields[lower(item.substr(0, equals))] = item.substr(equals + 1);
    start = end + 1;
  }
  return fields;
}

// Fills what the config and Composer's variables left unset from the
// connection string that the Azure CLI and SDKs use.
void apply_connection_string(LibcloudSettings& settings) {
  const std::string text = env(kConnectionStringEnviron);
  if (text.empty()) return;
  auto fields = parse_connection_string(text);
  if (lower(fields["usedevelopmentstorage"]) == "true") {
    fields.emplace("accountname", kDevelopmentAccount);
    fields.emplace("accountkey", kDevelopmentKey);
    fields.emplace("blobendpoint", std::string("http://127.0.0.1:10000/") + kDevelopmentAccount);
  }
  const std::string source = std::string("$") + kConnectionStringEnviron;
  if (settings.key.empty() && !fields["accountname"].empty()) {
    settings.key = fields["accountname"];
    settings.key_source = source + " (AccountName)";
  }
  if (settings.secret.empty() && !fields["accountkey"].empty()) {
    settings.secret = fields["accountkey"];
    settings.secret_source = source + " (AccountKey)";
  }
  if (settings.host.empty() && !settings.key.empty()) {
    if (!fields["blobendpoint"].empty()) {
      settings.blob_endpoint = fields["blobendpoint"];
    } else if (!fields["endpointsuffix"].empty() || !fields["defaultendpointsprotocol"].empty()) {
      const std::string protocol = fields["defaultendpointsprotocol"].empty() ? "https" : lower(fields["defaultendpointsprotocol"]);
      const std::string suffix = fields["endpointsuffix"].empty() ? "core.windows.net" : fields["endpointsuffix"];
      settings.blob_endpoint = protocol + "://" + settings.key + ".blob." + suffix;
    }
  }
}

void read_provider_kwargs(const nlohmann::json& json, const std::string& owner, LibcloudSettings& settings) {
  cairn::Config kw(owner + " provider_kwargs", json);
  if (kw.has("key")) {
    settings.key = kw.require<std::string>("key");
    settings.key_source = "provider_kwargs.key";
  }
  if (kw.has("secret")) {
    settings.secret = kw.require<std::string>("secret");
    settings.secret_source = "provider_kwargs.secret";
  }
  if (kw.has("secure")) settings.secure = kw.require<bool>("secure");
  settings.host = kw.get<std::string>("host", "");
  if (settings.host.find("://") != std::string::npos || settings.host.find('/') != std::string::npos) {
    kw.fail("host", "must be a host name or address alone (no scheme, port or path); give the port as port and "
                    "http/https as secure");
  }
  settings.port = kw.get<int>("port", 0);
  if (settings.port < 0 || settings.port > 65535) kw.fail("port", "must be a TCP port (1 to 65535)");
  settings.region = kw.get<std::string>("region", "");
  settings.api_version = kw.get<std::string>("api_version", "");
  settings.timeout_seconds = kw.get<double>("timeout", settings.timeout_seconds);
  // At most a day, as the other stores: a larger value overflows its conversion to milliseconds.
  if (!(settings.timeout_seconds > 0) || settings.timeout_seconds > 86400) {
    kw.fail("timeout", "must be a positive number of seconds (at most a day)");
  }
  settings.retry_delay_seconds = kw.get<double>("retry_delay", settings.retry_delay_seconds);
  if (!(settings.retry_delay_seconds >= 0) || settings.retry_delay_seconds > 86400) {
    kw.fail("retry_delay", "must be a number of seconds, 0 or more (at most a day)");
  }
  kw.finish();
}

void read_transfer_config(const nlohmann::json& json, const std::string& owner, s3store::TransferSettings& transfer) {
  cairn::Config cfg(owner + " transfer_config", json);
  const auto threshold = cfg.get<int64_t>("multipart_threshold", static_cast<int64_t>(transfer.multipart_threshold));
  if (threshold < 1) cfg.fail("multipart_threshold", "must be at least 1 byte");
  const auto chunksize = cfg.get<int64_t>("multipart_chunksize", static_cast<int64_t>(transfer.multipart_chunksize));
  if (chunksize < 1 || static_cast<uint64_t>(chunksize) > kMaxChunk) {
    cfg.fail("multipart_chunksize", "must be between 1 byte and 4000 MiB (Azure's largest block)");
  }
  const auto concurrency = cfg.get<int64_t>("max_concurrency", transfer.max_concurrency);
  if (concurrency < 1 || concurrency > 256) cfg.fail("max_concurrency", "must be between 1 and 256");
  cfg.finish();
  transfer.multipart_threshold = static_cast<uint64_t>(threshold);
  transfer.multipart_chunksize = static_cast<uint64_t>(chunksize);
  transfer.max_concurrency = static_cast<int>(concurrency);
}

// An environment variable's name, or null (Composer's default: none).
std::string environ_name(cairn::Config& cfg, const std::string& field, const std::string& fallback) {
  const nlohmann::json value = cfg.get<nlohmann::json>(field, fallback.empty() ? nlohmann::json() : nlohmann::json(fallback));
  if (value.is_null()) return "";
  if (!value.is_string() || value.get<std::string>().empty()) {
    cfg.fail(field, "must name an environment variable (a string) or be null, got " + cairn::config_detail::describe_given(value));
  }
  return value.get<std::string>();
}

}  // namespace

LibcloudSettings resolve_libcloud_settings(const cairn::Uri& location, const nlohmann::json& config) {
  const bool azure_uri = location.scheme == "azure";
  const std::string owner = "object store 'libcloud'";
  cairn::Config cfg(owner, config);
  LibcloudSettings settings;

  settings.provider = lower(cfg.get<std::string>("provider", azure_uri ? "azure_blobs" : ""));
  if (settings.provider.empty()) {
    cfg.fail("provider", "is required: the libcloud provider, one of " + known_provider_list());
  }
  if (!is_known_provider(settings.provider)) {
    cfg.fail("provider", "is '" + settings.provider + "', which Cairn does not know; known providers: " + known_provider_list());
  }
  if (azure_uri && settings.provider != "azure_blobs") {
    cfg.fail("provider", "is '" + settings.provider + "' but azure:// URIs are Azure Blob storage (azure_blobs)");
  }
  settings.uri_scheme = azure_uri ? "azure" : settings.provider;

  const std::string container = cfg.get<std::string>("container", "");
  if (!location.bucket.empty() && !container.empty() && container != location.bucket) {
    cfg.fail("container", "is '" + container + "' but the URI names container '" + location.bucket + "'; give one of them");
  }
  settings.container = container.empty() ? location.bucket : container;
  if (settings.container.empty()) {
    cfg.fail("container", "is required when the store is opened by name (or use a libcloud://CONTAINER URI)");
  }

  const nlohmann::json kwargs = cfg.get<nlohmann::json>("provider_kwargs", nlohmann::json::object());
  if (!kwargs.is_null() && !kwargs.is_object()) {
    cfg.fail("provider_kwargs", "must be a JSON object (the driver's arguments), got " + cairn::config_detail::describe_given(kwargs));
  }
  read_provider_kwargs(kwargs, owner, settings);
  // Composer: the environment is read only for what provider_kwargs lacks.
  const std::string key_environ = environ_name(cfg, "key_environ", azure_uri ? kAzureKeyEnviron : "");
  const std::string secret_environ = environ_name(cfg, "secret_environ", azure_uri ? kAzureSecretEnviron : "");
  if (settings.key_source.empty() && !env(key_environ).empty()) {
    settings.key = env(key_environ);
    settings.key_source = "$" + key_environ;
  }
  if (settings.secret_source.empty() && !env(secret_environ).empty()) {
    settings.secret = env(secret_environ);
    settings.secret_source = "$" + secret_environ;
  }
  if (azure_uri) apply_connection_string(settings);
  if (settings.key_source.empty()) {
    settings.key_source = key_environ.empty() ? "provider_kwargs.key" : "provider_kwargs.key or $" + key_environ;
  }
  if (settings.secret_source.empty()) {
    settings.secret_source = secret_environ.empty() ? "provider_kwargs.secret" : "provider_kwargs.secret or $" + secret_environ;
  }

  const auto chunk = cfg.get<int64_t>("chunk_size", static_cast<int64_t>(settings.chunk_size));
  if (chunk < 1 || static_cast<uint64_t>(chunk) > kMaxChunk) cfg.fail("chunk_size", "must be between 1 byte and 4000 MiB");
  settings.chunk_size = static_cast<uint64_t>(chunk);
  const nlohmann::json transfer = cfg.get<nlohmann::json>("transfer_config", nlohmann::json::object());
  read_transfer_config(transfer, owner, settings.transfer);
  cairn::http::read_ca_bundle(cfg, settings.http);
  cfg.finish();
  return settings;
}

}  // namespace libcloud
