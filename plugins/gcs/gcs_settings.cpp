#include "gcs_settings.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/object_store.h"

namespace gcsstore {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
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

uint64_t positive_bytes(cairn::Config& cfg, const std::string& field, uint64_t fallback) {
  const auto value = cfg.get<int64_t>(field, static_cast<int64_t>(fallback));
  if (value < 1) cfg.fail(field, "must be at least 1 byte");
  return static_cast<uint64_t>(value);
}

void read_retry(const nlohmann::json& json, const std::string& owner, cairn::RetryPolicy& retry) {
  cairn::Config cfg(owner + " retry", json);
  retry.initial_backoff = seconds(positive_seconds(cfg, "initial", retry.initial_backoff.count() / 1000.0));
  retry.max_backoff = seconds(positive_seconds(cfg, "maximum", retry.max_backoff.count() / 1000.0));
  retry.deadline = seconds(positive_seconds(cfg, "deadline", retry.deadline.count() / 1000.0));
  retry.max_attempts = cfg.get<int>("max_attempts", retry.max_attempts);
  if (retry.max_attempts < 1) cfg.fail("max_attempts", "must be at least 1 (1: no retries)");
  cfg.finish();
}

// STORAGE_EMULATOR_HOST is "host:port" or a URL; Google's libraries add
// "http://" to the former.
std::string emulator_url(const std::string& host) {
  return host.find("://") == std::string::npos ? "http://" + host : host;
}

}  // namespace

cairn::RetryPolicy google_retry_policy() {
  cairn::RetryPolicy policy;
  policy.max_attempts = 10;
  policy.initial_backoff = std::chrono::seconds(1);
  policy.max_backoff = std::chrono::seconds(60);
  policy.jitter = cairn::Jitter::kFull;
  policy.deadline = std::chrono::seconds(120);
  return policy;
}

GcsSettings read_gcs_settings(const cairn::Uri& location, const nlohmann::json& config) {
  const std::string owner = "object store 'gcs'";
  cairn::Config cfg(owner, config);
  GcsSettings settings;
  settings.retry = google_retry_policy();
  const std::string bucket = strip_slashes(cfg.get<std::string>("bucket", ""));
  if (!location.bucket.empty() && !bucket.empty() && bucket != location.bucket) {
    cfg.fail("bucket", "is '" + bucket + "' but the URI names bucket '" + location.bucket + "'; give one of them");
  }
  settings.bucket = bucket.empty() ? location.bucket : bucket;
  if (settings.bucket.empty()) cfg.fail("bucket", "is required when the store is opened by name (or use a gs://BUCKET/... URI)");
  settings.prefix = strip_slashes(cfg.get<std::string>("prefix", ""));
  if (!settings.prefix.empty()) settings.prefix += "/";
  settings.project = cfg.get<std::string>("project", "");
  settings.credentials_file = cfg.get<std::string>("credentials_file", "");

  const std::string api_endpoint = cfg.get<std::string>("api_endpoint", "");
  const std::string emulator = env("STORAGE_EMULATOR_HOST");
  if (!api_endpoint.empty()) {
    settings.endpoint = cairn::http::Endpoint::parse(api_endpoint, owner + " api_endpoint");
    settings.endpoint_from_config = true;
  } else if (!emulator.empty()) {
    settings.endpoint = cairn::http::Endpoint::parse(emulator_url(emulator), "STORAGE_EMULATOR_HOST");
    settings.emulator = true;
  } else {
    settings.endpoint = cairn::http::Endpoint::parse("https://storage.googleapis.com", "the default endpoint");
  }

  settings.chunk_size = positive_bytes(cfg, "chunk_size", settings.chunk_size);
  if (settings.chunk_size % kChunkGranularity != 0) {
    cfg.fail("chunk_size", "is " + std::to_string(settings.chunk_size) +
                               " bytes; GCS takes resumable-upload chunks in multiples of 262144 (256 KiB)");
  }
  const auto threshold = cfg.get<int64_t>("resumable_threshold", static_cast<int64_t>(settings.resumable_threshold));
  if (threshold < 0) cfg.fail("resumable_threshold", "must be 0 (every upload resumable) or more bytes");
  settings.resumable_threshold = static_cast<uint64_t>(threshold);
  settings.download_chunk_size = positive_bytes(cfg, "download_chunk_size", settings.download_chunk_size);
  settings.max_concurrency = cfg.get<int>("max_concurrency", settings.max_concurrency);
  if (settings.max_concurrency < 1 || settings.max_concurrency > 256) cfg.fail("max_concurrency", "must be between 1 and 256");
  const double timeout = positive_seconds(cfg, "timeout", 60);
  settings.http.connect_timeout_ms = seconds(timeout).count();
  settings.http.stall_timeout_ms = seconds(timeout).count();
  if (cfg.has("retry")) read_retry(cfg.require<nlohmann::json>("retry"), owner, settings.retry);
  cfg.finish();
  return settings;
}

}  // namespace gcsstore
