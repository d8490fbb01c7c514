// JSON configs as users write them: cairn::Config's typed reads and time
// fields, and the store plugins' settings readers (s3, gcs in both modes,
// libcloud), which take a store's JSON config plus the environment.
//
// The input is one JSON document. Its optional "_env" object sets, for this
// run only, the environment variables the readers consult (connection
// strings, endpoints, keys), so the fuzzer varies those too; no other
// variable of the fuzzer's own environment reaches the readers.
// Oracles: only ConfigError (or a JSON type error the caller turns into one)
// escapes; anything else aborts as an uncaught exception.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cairn/config.h"
#include "cairn/config_time.h"
#include "cairn/errors.h"
#include "cairn/object_store.h"
#include "fuzz_check.h"
#include "gcs_settings.h"
#include "libcloud_settings.h"
#include "s3_settings.h"

namespace {

const char* const kVariables[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CA_BUNDLE", "GCS_KEY", "GCS_SECRET", "STORAGE_EMULATOR_HOST",
    "AZURE_ACCOUNT_NAME", "AZURE_ACCOUNT_ACCESS_KEY", "AZURE_STORAGE_CONNECTION_STRING"};

void clear_environment() {
  for (const char* name : kVariables) ::unsetenv(name);
  // The AWS shared files: none (a profile the input names is then missing).
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/cairn-fuzz/credentials", 1);
  ::setenv("AWS_CONFIG_FILE", "/nonexistent/cairn-fuzz/config", 1);
}

void apply_environment(const nlohmann::json& env) {
  if (!env.is_object()) return;
  for (const char* name : kVariables) {
    if (env.contains(name) && env[name].is_string()) {
      const std::string value = env[name].get<std::string>();
      if (value.find('\0') == std::string::npos) ::setenv(name, value.c_str(), 1);
    }
  }
}

template <typename Read>
void expect_config_errors_only(Read read) {
  try {
    read();
  } catch (const cairn::ConfigError& e) {
    FUZZ_CHECK(*e.what() != '\0', "an empty message");
  }
}

void read_plugin_style(const nlohmann::json& json) {
  cairn::Config cfg("fuzz", json);
  (void)cfg.get<int64_t>("hidden", 64);
  (void)cfg.get<uint64_t>("bytes", 1);
  (void)cfg.get<int>("workers", 1);
  (void)cfg.get<double>("lr", 0.1);
  (void)cfg.get<bool>("enabled", true);
  (void)cfg.get<std::string>("name", "");
  (void)cfg.get<std::vector<int64_t>>("sizes", {});
  (void)cfg.get<std::vector<std::string>>("names", {});
  (void)cfg.get_time("interval", "1ep", cairn::TimeUnit::EPOCH);
  (void)cairn::read_time(cfg, "start", "0.5dur", {cairn::TimeUnit::DURATION, cairn::TimeUnit::BATCH});
  (void)cairn::read_optional_time(cfg, "stop", {cairn::TimeUnit::EPOCH});
  cfg.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = nlohmann::json::parse(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size,
                                    nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  clear_environment();
  if (json.is_object() && json.contains("_env")) {
    apply_environment(json["_env"]);
    json.erase("_env");
  }
  expect_config_errors_only([&] { read_plugin_style(json); });
  for (const char* location : {"", "s3://fuzz-bucket/some/prefix"}) {
    const cairn::Uri uri = cairn::Uri::parse(location);
    expect_config_errors_only([&] { (void)s3store::resolve_s3_settings(uri, json); });
  }
  for (const char* location : {"", "gs://fuzz-bucket"}) {
    const cairn::Uri uri = cairn::Uri::parse(location);
    expect_config_errors_only([&] { (void)gcsstore::read_gcs_settings(uri, json); });
    expect_config_errors_only([&] { (void)s3store::resolve_gcs_settings(uri, json); });
  }
  for (const char* location : {"", "libcloud://container", "azure://container"}) {
    const cairn::Uri uri = cairn::Uri::parse(location);
    expect_config_errors_only([&] { (void)libcloud::resolve_libcloud_settings(uri, json); });
  }
  clear_environment();
  return 0;
}
