#include "s3_settings.h"

#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

#include "aws_config_files.h"
#include "cairn/config.h"
#include "cairn/object_store.h"

namespace s3store {

namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;  // S3's minimum for all parts but the last
constexpr uint64_t kMaxPartSize = 5ull << 30;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string first_of(std::initializer_list<std::string> candidates) {
  for (const auto& candidate : candidates) {
    if (!candidate.empty()) return candidate;
  }
  return "";
}

std::string strip_slashes(std::string text) {
  while (!text.empty() && text.front() == '/') text.erase(0, 1);
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

std::chrono::milliseconds seconds(double value) { return std::chrono::milliseconds(static_cast<long long>(value * 1000)); }

double positive_seconds(cairn::Config& cfg, const std::string& field, double fallback) {
  const double value = cfg.get<double>(field, fallback);
  // Bounded as the oci store's: a larger value overflows its conversion to milliseconds.
  if (!(value > 0) || value > 86400) cfg.fail(field, "must be a positive number of seconds (at most a day)");
  return value;
}

void read_transfer_config(const nlohmann::json& json, const std::string& owner, TransferSettings& transfer) {
  cairn::Config cfg(owner + " transfer_config", json);
  const auto threshold = cfg.get<int64_t>("multipart_threshold", static_cast<int64_t>(transfer.multipart_threshold));
  if (threshold < 1) cfg.fail("multipart_threshold", "must be at least 1 byte");
  const auto chunksize = cfg.get<int64_t>("multipart_chunksize", static_cast<int64_t>(transfer.multipart_chunksize));
  if (chunksize < 1 || static_cast<uint64_t>(chunksize) > kMaxPartSize) {
    cfg.fail("multipart_chunksize", "must be between 1 byte and 5 GiB (S3's largest part)");
  }
  const auto concurrency = cfg.get<int64_t>("max_concurrency", transfer.max_concurrency);
  if (concurrency < 1 || concurrency > 256) cfg.fail("max_concurrency", "must be between 1 and 256");
  // Accepted for boto3 compatibility; Cairn always uses threads.
  cfg.get<bool>("use_threads", true);
  cfg.finish();
  transfer.multipart_threshold = static_cast<uint64_t>(threshold);
  transfer.multipart_chunksize = static_cast<uint64_t>(chunksize);
  transfer.max_concurrency = static_cast<int>(concurrency);
}

// botocore Config names; `addressing` receives client_config.s3.addressing_style.
void read_client_config(const nlohmann::json& json, const std::string& owner, S3Settings& settings,
                        std::string& addressing) {
  cairn::Config cfg(owner + " client_config", json);
  settings.http.connect_timeout_ms = seconds(positive_seconds(cfg, "connect_timeout", 60)).count();
  settings.http.stall_timeout_ms = seconds(positive_seconds(cfg, "read_timeout", 60)).count();
  if (cfg.has("retries")) {
    cairn::Config retries(owner + " client_config.retries", cfg.require<nlohmann::json>("retries"));
    const std::string mode = retries.get<std::string>("mode", "standard");
    if (mode != "legacy" && mode != "standard" && mode != "adaptive") {
      retries.fail("mode", "must be \"legacy\", \"standard\" or \"adaptive\"");
    }
    // botocore: max_attempts counts retries, total_max_attempts counts all.
    if (retries.has("total_max_attempts")) {
      settings.retry.max_attempts = retries.require<int>("total_max_attempts");
      if (retries.has("max_attempts")) retries.fail("max_attempts", "cannot be given together with total_max_attempts");
    } else if (retries.has("max_attempts")) {
      settings.retry.max_attempts = retries.require<int>("max_attempts") + 1;
    }
    if (settings.retry.max_attempts < 1) retries.fail("total_max_attempts", "must be at least 1");
    settings.retry.deadline = seconds(positive_seconds(retries, "deadline", 300));
    retries.finish();
  }
  if (cfg.has("s3")) {
    cairn::Config s3(owner + " client_config.s3", cfg.require<nlohmann::json>("s3"));
    addressing = s3.get<std::string>("addressing_style", "auto");
    if (addressing != "auto" && addressing != "path" && addressing != "virtual") {
      s3.fail("addressing_style", "must be \"auto\", \"path\" or \"virtual\"");
    }
    s3.finish();
  }
  cfg.finish();
}

// Bucket names with dots break the TLS wildcard certificate of virtual hosts.
bool needs_path_style(const S3Settings& settings, bool custom_endpoint, const std::string& addressing) {
  if (addressing == "path") return true;
  if (addressing == "virtual") return false;
  return custom_endpoint || settings.endpoint.host_is_ip_or_localhost() || settings.bucket.find('.') != std::string::npos;
}

S3Settings resolve(const cairn::Uri& location, const nlohmann::json& config, S3Settings settings,
                   const std::string& default_endpoint) {
  const std::string owner = "object store '" + settings.store_name + "'";
  cairn::Config cfg(owner, config);
  std::string bucket = strip_slashes(cfg.get<std::string>("bucket", ""));
  if (!location.bucket.empty() && !bucket.empty() && bucket != location.bucket) {
    cfg.fail("bucket", "is '" + bucket + "' but the URI names bucket '" + location.bucket + "'; give one of them");
  }
  settings.bucket = bucket.empty() ? location.bucket : bucket;
  if (settings.bucket.empty()) cfg.fail("bucket", "is required when the store is opened by name (or use an " + settings.scheme + "://BUCKET/... URI)");
  settings.prefix = strip_slashes(cfg.get<std::string>("prefix", ""));
  if (!settings.prefix.empty()) settings.prefix += "/";

  const std::string profile_name = first_of({env("AWS_PROFILE"), env("AWS_DEFAULT_PROFILE")});
  const auto profile = settings.store_name == "s3" ? load_aws_profile(profile_name.empty() ? "default" : profile_name, !profile_name.empty())
                                                   : std::map<std::string, std::string>{};
  const auto from_profile = [&](const std::string& key) {
    const auto it = profile.find(key);
    return it == profile.end() ? std::string() : it->second;
  };

  settings.region = first_of({cfg.get<std::string>("region_name", ""), settings.store_name == "s3" ? first_of({env("AWS_REGION"), env("AWS_DEFAULT_REGION"), from_profile("region")}) : "", settings.region});
  const std::string endpoint_url =
      first_of({cfg.get<std::string>("endpoint_url", ""), settings.store_name == "s3" ? env("S3_ENDPOINT_URL") : "", from_profile("endpoint_url")});
  settings.endpoint = cairn::http::Endpoint::parse(endpoint_url.empty() ? default_endpoint : endpoint_url,
                                                   endpoint_url.empty() ? "the default endpoint" : owner + " endpoint_url");

  // Keys come as a pair from one place: a config key id with the environment's
  // secret would sign with a mismatched pair.
  const std::string config_id = cfg.get<std::string>("aws_access_key_id", "");
  const std::string config_secret = cfg.get<std::string>("aws_secret_access_key", "");
  const std::string config_token = cfg.get<std::string>("aws_session_token", "");
  if (config_id.empty() != config_secret.empty()) {
    cfg.fail(config_id.empty() ? "aws_access_key_id" : "aws_secret_access_key",
             "is missing; aws_access_key_id and aws_secret_access_key are given together");
  }
  if (!config_id.empty()) {
    settings.credentials = {config_id, config_secret, config_token};
  } else if (!settings.credentials.access_key_id.empty()) {
    // GCS HMAC keys were filled in by the caller.
  } else if (!env("AWS_ACCESS_KEY_ID").empty() && !env("AWS_SECRET_ACCESS_KEY").empty()) {
    settings.credentials = {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
  } else if (!from_profile("aws_access_key_id").empty()) {
    settings.credentials = {from_profile("aws_access_key_id"), from_profile("aws_secret_access_key"),
                            from_profile("aws_session_token")};
  } else {
    throw cairn::ConfigError(owner + " for bucket '" + settings.bucket +
                             "' found no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
                             "with a profile in ~/.aws/credentials, or aws_access_key_id and aws_secret_access_key in the "
                             "store's config");
  }
  if (settings.credentials.secret_access_key.empty()) {
    throw cairn::ConfigError(owner + ": the AWS profile has aws_access_key_id but no aws_secret_access_key");
  }

  settings.canned_acl = first_of({cfg.get<std::string>("acl", ""), env("S3_CANNED_ACL")});
  const std::string ca_bundle = env("AWS_CA_BUNDLE");
  if (!ca_bundle.empty()) settings.http.ca_bundle = ca_bundle;
  if (cfg.has("verify")) {
    const nlohmann::json verify = cfg.require<nlohmann::json>("verify");
    if (verify.is_boolean()) {
      settings.http.verify_tls = verify.get<bool>();
    } else if (verify.is_string() && !verify.get<std::string>().empty()) {
      settings.http.ca_bundle = verify.get<std::string>();
    } else {
      cfg.fail("verify", "must be true, false (tests against self-signed servers only) or the path of a CA bundle");
    }
  }
  std::string addressing = "auto";
  if (cfg.has("client_config")) read_client_config(cfg.require<nlohmann::json>("client_config"), owner, settings, addressing);
  if (cfg.has("transfer_config")) read_transfer_config(cfg.require<nlohmann::json>("transfer_config"), owner, settings.transfer);
  cfg.finish();
  settings.path_style = needs_path_style(settings, !endpoint_url.empty(), addressing);
  if (!settings.path_style && endpoint_url.empty() && settings.store_name == "s3") {
    settings.endpoint.host = settings.bucket + ".s3." + settings.region + ".amazonaws.com";
  } else if (!settings.path_style) {
    settings.endpoint.host = settings.bucket + "." + settings.endpoint.host;
  }
  return settings;
}

}  // namespace

S3Settings resolve_s3_settings(const cairn::Uri& location, const nlohmann::json& config) {
  return resolve(location, config, S3Settings{}, "https://s3.amazonaws.com");
}

S3Settings resolve_gcs_settings(const cairn::Uri& location, const nlohmann::json& config) {
  const std::string key = env("GCS_KEY");
  const std::string secret = env("GCS_SECRET");
  if (key.empty() || secret.empty()) {
    throw cairn::ConfigError(
        "GCS's S3-compatible XML API needs HMAC keys: set GCS_KEY and GCS_SECRET "
        "(Cloud Storage > Settings > Interoperability)");
  }
  S3Settings settings;
  settings.scheme = "gs";
  settings.store_name = "gs";
  settings.region = "auto";
  settings.credentials = {key, secret, ""};
  return resolve(location, config, settings, "https://storage.googleapis.com");
}

}  // namespace s3store
