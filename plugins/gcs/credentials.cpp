#include "credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "oauth_grants.h"

namespace gcsstore {

namespace {

// google-auth waits this long for the metadata server (_METADATA_DEFAULT_TIMEOUT).
constexpr long kMetadataPingMs = 3000;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

bool is_file(const std::string& path) {
  std::ifstream in(path);
  return in.good();
}

GrantContext context_for(const std::string& origin, const GcsSettings& settings) {
  return GrantContext{origin, settings.retry, settings.http};
}

// A string field of a key file; ConfigError naming the file when a required one is missing.
std::string field(const nlohmann::json& json, const char* name, const std::string& file, bool required,
                  const std::string& fallback = "") {
  if (json.contains(name) && json[name].is_string() && !json[name].get<std::string>().empty()) {
    return json[name].get<std::string>();
  }
  if (required) {
    throw cairn::ConfigError("GCS credentials file " + file + " has no \"" + std::string(name) +
                             "\"; download a new key file (IAM > Service accounts > Keys) or run "
                             "`gcloud auth application-default login`");
  }
  return fallback;
}

std::string gcloud_adc_file() {
  const std::string config_dir = env("CLOUDSDK_CONFIG");
  if (!config_dir.empty()) return config_dir + "/application_default_credentials.json";
  const std::string home = env("HOME");
  return home.empty() ? "" : home + "/.config/gcloud/application_default_credentials.json";
}

}  // namespace

std::unique_ptr<TokenSource> credentials_from_file(const std::string& path, const std::string& origin,
                                                   const GcsSettings& settings) {
  const std::string file = "'" + path + "' (" + origin + ")";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw cairn::ConfigError("GCS credentials file " + file +
                             " cannot be read; point it at a service-account key file or an authorized_user file");
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (!json.is_object()) {
    // Never quote the text: it may be a key.
    throw cairn::ConfigError("GCS credentials file " + file + " is not a JSON object");
  }
  const std::string type = field(json, "type", file, true);
  const std::string where = origin + "=" + path;
  if (type == "service_account") {
    ServiceAccountKey key;
    key.client_email = field(json, "client_email", file, true);
    key.private_key = field(json, "private_key", file, true);
    key.private_key_id = field(json, "private_key_id", file, false);
    key.token_uri = field(json, "token_uri", file, false, kGoogleTokenUri);
    key.project_id = field(json, "project_id", file, false);
    key.quota_project_id = field(json, "quota_project_id", file, false);
    return std::make_unique<ServiceAccountSource>(std::move(key), context_for(where, settings));
  }
  if (type == "authorized_user") {
    AuthorizedUser user;
    user.client_id = field(json, "client_id", file, true);
    user.client_secret = field(json, "client_secret", file, true);
    user.refresh_token = field(json, "refresh_token", file, true);
    user.token_uri = field(json, "token_uri", file, false, kGoogleTokenUri);
    user.quota_project_id = field(json, "quota_project_id", file, false);
    return std::make_unique<AuthorizedUserSource>(std::move(user), context_for(where, settings));
  }
  throw cairn::ConfigError("GCS credentials file " + file + " has type '" + type +
                           "', which Cairn does not read; use a service_account key file or an authorized_user file "
                           "(gcloud auth application-default login), or HMAC keys in GCS_KEY and GCS_SECRET");
}

std::unique_ptr<TokenSource> find_credentials(const GcsSettings& settings) {
  if (!settings.credentials_file.empty()) {
    return credentials_from_file(settings.credentials_file, "the store's credentials_file", settings);
  }
  if (settings.emulator) return std::make_unique<AnonymousSource>();
  const std::string adc = env("GOOGLE_APPLICATION_CREDENTIALS");
  if (!adc.empty()) return credentials_from_file(adc, "GOOGLE_APPLICATION_CREDENTIALS", settings);
  const std::string gcloud = gcloud_adc_file();
  if (!gcloud.empty() && is_file(gcloud)) return credentials_from_file(gcloud, "gcloud's application default credentials", settings);
  const std::string metadata_host = env("GCE_METADATA_HOST");
  const std::string host = metadata_host.empty() ? "169.254.169.254" : metadata_host;
  if (MetadataServerSource::answers(host, kMetadataPingMs)) {
    return std::make_unique<MetadataServerSource>(
        host, context_for(metadata_host.empty() ? "Google Cloud's default" : "GCE_METADATA_HOST", settings));
  }
  throw cairn::ConfigError(
      "no Google Cloud credentials for gs://" + settings.bucket +
      ": set GCS_KEY and GCS_SECRET (HMAC keys), or GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or "
      "run `gcloud auth application-default login` (nothing at " +
      (gcloud.empty() ? std::string("~/.config/gcloud/application_default_credentials.json") : gcloud) +
      "), or run on Google Cloud (no metadata server answered at " + host + ")");
}

}  // namespace gcsstore
