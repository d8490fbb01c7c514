#include "oci_settings.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "cairn/http/store_settings.h"
#include "cairn/object_store.h"
#include "oci_config_file.h"

namespace ocistore {

namespace {

using cairn::http::env;
using cairn::http::seconds;
using cairn::http::strip_slashes;

// One number of a timeout, which may also be a [connect, read] pair.
double timeout_seconds(cairn::Config& cfg, const std::string& field, const nlohmann::json& value) {
  if (!value.is_number() || !(value.get<double>() > 0) || value.get<double>() > 86400) {
    cfg.fail(field, "must be a positive number of seconds (at most a day), got " + value.dump());
  }
  return value.get<double>();
}

// OCI's Python SDK: a number (both timeouts) or a (connect, read) pair.
void read_timeout(cairn::Config& cfg, cairn::http::ClientOptions& http) {
  const nlohmann::json value = cfg.require<nlohmann::json>("timeout");
  if (value.is_array() && value.size() == 2) {
    http.connect_timeout_ms = seconds(timeout_seconds(cfg, "timeout", value[0])).count();
    http.stall_timeout_ms = seconds(timeout_seconds(cfg, "timeout", value[1])).count();
  } else if (value.is_number()) {
    http.connect_timeout_ms = http.stall_timeout_ms = seconds(timeout_seconds(cfg, "timeout", value)).count();
  } else {
    cfg.fail("timeout", "must be seconds, or [connect, read] seconds, got " + value.dump());
  }
}

void read_retry_strategy(const nlohmann::json& json, const std::string& owner, cairn::RetryPolicy& retry) {
  cairn::Config cfg(owner + " retry_strategy", json);
  retry.max_attempts = cfg.get<int>("max_attempts", retry.max_attempts);
  if (retry.max_attempts < 1) cfg.fail("max_attempts", "must be at least 1 (1: no retries)");
  if (cfg.has("total_elapsed_time_seconds")) {
    retry.deadline = seconds(
        timeout_seconds(cfg, "total_elapsed_time_seconds", cfg.require<nlohmann::json>("total_elapsed_time_seconds")));
  }
  cfg.finish();
}

TransferSettings read_transfer(cairn::Config& cfg) {
  TransferSettings transfer;
  const auto part_size = cfg.get<int64_t>("part_size", static_cast<int64_t>(transfer.part_size));
  if (part_size < static_cast<int64_t>(kMinPartSize) || part_size > static_cast<int64_t>(kMaxPartSize)) {
    cfg.fail("part_size", "must be between 10 MiB (10485760) and 50 GiB, Object Storage's part sizes; got " +
                              std::to_string(part_size));
  }
  const auto parallel = cfg.get<int64_t>("parallel_process_count", transfer.parallel_process_count);
  if (parallel < 1 || parallel > 256) cfg.fail("parallel_process_count", "must be between 1 and 256");
  const auto min_part = cfg.get<int64_t>("min_part_size", static_cast<int64_t>(transfer.min_part_size));
  if (min_part < 1) cfg.fail("min_part_size", "must be at least 1 byte");
  const auto num_parts = cfg.get<int64_t>("num_parts", transfer.num_parts);
  if (num_parts < 1 || num_parts > 256) cfg.fail("num_parts", "must be between 1 and 256");
  transfer.part_size = static_cast<uint64_t>(part_size);
  transfer.parallel_process_count = static_cast<int>(parallel);
  transfer.min_part_size = static_cast<uint64_t>(min_part);
  transfer.num_parts = static_cast<int>(num_parts);
  return transfer;
}

// The key_file's text, checked by signing with it, so a bad key fails when
// the store opens (before any training), not at the first upload.
std::string read_key(const OciProfile& profile, const std::string& where) {
  std::ifstream in(profile.key_file, std::ios::binary);
  if (!in) {
    throw cairn::ConfigError(where + " key_file '" + profile.key_file + "' cannot be read (" + std::strerror(errno) +
                             "); point key_file at the API key's PEM private key");
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string pem = text.str();
  try {
    cairn::http::rsa_sha256_sign(pem, "", profile.pass_phrase);
  } catch (const cairn::Error& e) {
    std::string problem = e.what();
    if (problem.rfind("crypto: ", 0) == 0) problem.erase(0, 8);
    const bool encrypted = pem.find("ENCRYPTED") != std::string::npos;
    const std::string fix = !encrypted                  ? "key_file must be the API key's PEM private key (`oci setup keys`)"
                            : profile.pass_phrase.empty() ? "add its pass_phrase to the profile"
                                                          : "fix pass_phrase in the profile";
    throw cairn::ConfigError(where + " key_file '" + profile.key_file + "': " + problem + "; " + fix);
  }
  return pem;
}

}  // namespace

cairn::RetryPolicy oci_default_retry_policy() {
  cairn::RetryPolicy policy = cairn::http::default_retry_policy();
  policy.max_attempts = 8;
  policy.deadline = std::chrono::seconds(600);
  policy.max_backoff = std::chrono::seconds(30);
  return policy;
}

OciSettings resolve_oci_settings(const cairn::Uri& location, const nlohmann::json& config) {
  const std::string owner = "object store 'oci'";
  cairn::Config cfg(owner, config);
  OciSettings settings;
  const std::string bucket = strip_slashes(cfg.get<std::string>("bucket", ""));
  if (!location.bucket.empty() && !bucket.empty() && bucket != location.bucket) {
    cfg.fail("bucket", "is '" + bucket + "' but the URI names bucket '" + location.bucket + "'; give one of them");
  }
  settings.bucket = bucket.empty() ? location.bucket : bucket;
  if (settings.bucket.empty()) cfg.fail("bucket", "is required when the store is opened by name (or use an oci://BUCKET/... URI)");
  settings.prefix = strip_slashes(cfg.get<std::string>("prefix", ""));
  if (!settings.prefix.empty()) settings.prefix += "/";
  settings.namespace_name = cfg.get<std::string>("namespace", "");
  const std::string config_file = cfg.get<std::string>("config_file", "");
  const std::string profile_name = cfg.get<std::string>("profile", "");
  const std::string region = cfg.get<std::string>("region", "");
  const std::string endpoint_url = cfg.get<std::string>("endpoint_url", "");
  settings.transfer = read_transfer(cfg);
  settings.retry = oci_default_retry_policy();
  // The SDKs' timeouts: 10 s to connect, 60 s without a byte.
  settings.http.connect_timeout_ms = 10'000;
  settings.http.stall_timeout_ms = 60'000;
  if (cfg.has("timeout")) read_timeout(cfg, settings.http);
  cairn::http::read_ca_bundle(cfg, settings.http);
  if (cfg.has("retry_strategy")) read_retry_strategy(cfg.require<nlohmann::json>("retry_strategy"), owner, settings.retry);
  cfg.finish();

  // The config file last: a misspelt store key is reported as such first.
  const std::string for_uri = owner + " for 'oci://" + settings.bucket + "/" + settings.prefix + "': ";
  try {
    const OciProfile profile = load_oci_profile(oci_config_path(config_file), oci_profile_name(profile_name));
    const std::string where = "OCI config file " + profile.file + " profile [" + profile.name + "]";
    settings.config_file = profile.file;
    settings.profile = profile.name;
    settings.key = {profile.tenancy + "/" + profile.user + "/" + profile.fingerprint, read_key(profile, where),
                    profile.pass_phrase};
    settings.region = region.empty() ? profile.region : region;
  } catch (const cairn::ConfigError& e) {
    throw cairn::ConfigError(for_uri + e.what());
  }
  static const std::regex region_shape("^[a-z0-9]+(-[a-z0-9]+)*$");
  if (!std::regex_match(settings.region, region_shape)) {
    throw cairn::ConfigError(for_uri + "region '" + settings.region + "' is not a region name such as us-ashburn-1");
  }
  const std::string endpoint = !endpoint_url.empty() ? endpoint_url : env("OCI_OBJECT_STORAGE_ENDPOINT");
  settings.endpoint = cairn::http::Endpoint::parse(
      endpoint.empty() ? "https://objectstorage." + settings.region + ".oraclecloud.com" : endpoint,
      !endpoint_url.empty() ? owner + " endpoint_url" : !endpoint.empty() ? "OCI_OBJECT_STORAGE_ENDPOINT" : "the region's endpoint");
  return settings;
}

}  // namespace ocistore
