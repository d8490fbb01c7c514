// Helpers shared by the gcs tests: the loopback fake (fake_gcs_server.py),
// key files pointing at it, a store opened on it with quick retries, and the
// environment the store reads, cleared and restored.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cairn/http/client.h"
#include "cairn/object_store.h"
#include "gcs_store.h"
#include "loopback_peer.h"
#include "s3_test_support.h"
#include "scoped_env.h"

namespace gcstest {

using s3test::random_bytes;
using s3test::read_file;
using s3test::TempDir;
using s3test::write_file;

inline std::string vectors_dir() { return std::string(CAIRN_TEST_SOURCE_DIR) + "/tests/gcs/vectors"; }
inline std::string source_dir() { return CAIRN_TEST_SOURCE_DIR; }

// The variables the gcs store reads, all unset (HOME points into `home` and
// CLOUDSDK_CONFIG is unset, so no gcloud file of the machine is found),
// restored after.
class CleanEnvironment {
 public:
  CleanEnvironment() {
    for (const char* name : {"GCS_KEY", "GCS_SECRET", "GOOGLE_APPLICATION_CREDENTIALS", "STORAGE_EMULATOR_HOST",
                             "GCE_METADATA_HOST"}) {
      env_.unset(name);
    }
    // Peers started later still find the npm packages installed under the real HOME.
    const char* home = std::getenv("HOME");
    if (std::getenv("CAIRN_CACHE_DIR") == nullptr && home != nullptr) {
      env_.set("CAIRN_CACHE_DIR", std::string(home) + "/.cache/cairn");
    }
    env_.set("HOME", home_.path().string());
    env_.unset("CLOUDSDK_CONFIG");
    // No metadata server answers on port 9 (discard): the probe fails fast.
    env_.set("GCE_METADATA_HOST", "127.0.0.1:9");
  }
  cairn::test::ScopedEnv& env() { return env_; }
  const TempDir& home() const { return home_; }

 private:
  TempDir home_;
  cairn::test::ScopedEnv env_;  // restored before home_ is removed
};

// fake_gcs_server.py: storage, token endpoint and metadata server on one port.
class FakeGcs : public cairn::test::LoopbackPeer {
 public:
  explicit FakeGcs(const std::vector<std::string>& args)
      : LoopbackPeer(source_dir() + "/tests/gcs/fake_gcs_server.py", with_start(args)) {}

  std::string endpoint() const { return info().at("endpoint").get<std::string>(); }
  std::string token_uri() const { return info().at("token_uri").get<std::string>(); }
  std::string metadata_host() const { return info().at("metadata_host").get<std::string>(); }

  nlohmann::json stats() const { return nlohmann::json::parse(control("GET", "stats")); }
  void configure(const std::string& query) const { control("POST", "config?" + query); }

 private:
  static std::vector<std::string> with_start(std::vector<std::string> args) {
    args.insert(args.begin(), "start");
    return args;
  }
  std::string control(const std::string& method, const std::string& what) const {
    cairn::http::Client client;
    cairn::http::Request request;
    request.method = method;
    request.url = endpoint() + "/__fake__/" + what;
    if (method == "POST") request.body = cairn::http::RequestBody::memory("");
    const auto response = client.perform(request);
    if (response.status != 200) throw std::runtime_error("fake_gcs_server " + what + ": HTTP " + std::to_string(response.status));
    return response.body;
  }
};

// The vectors' fake service account, its token_uri pointed at `token_uri`.
inline std::string write_service_account(const TempDir& dir, const std::string& token_uri,
                                         const std::string& name = "sa.json") {
  auto key = nlohmann::json::parse(read_file(vectors_dir() + "/fake-service-account.json"));
  key["token_uri"] = token_uri;
  const std::string path = dir / name;
  write_file(path, key.dump(2));
  return path;
}

inline std::string write_authorized_user(const TempDir& dir, const std::string& token_uri, const std::string& name,
                                         const std::string& refresh_token = "1//fake-refresh-token-0123456789") {
  const nlohmann::json user = {{"type", "authorized_user"},
                               {"client_id", "1234-fake.apps.googleusercontent.com"},
                               {"client_secret", "fake-client-secret-abcdef"},
                               {"refresh_token", refresh_token},
                               {"token_uri", token_uri}};
  const std::string path = dir / name;
  write_file(path, user.dump(2));
  return path;
}

// A store config with quick retries for tests.
inline nlohmann::json quick_config(const std::string& api_endpoint, nlohmann::json more = nlohmann::json::object()) {
  nlohmann::json config = {{"api_endpoint", api_endpoint},
                           {"timeout", 5},
                           {"retry", {{"initial", 0.01}, {"maximum", 0.1}, {"deadline", 60}, {"max_attempts", 5}}}};
  config.update(more);
  return config;
}

inline std::unique_ptr<cairn::ObjectStore> open_store(const std::string& uri, const nlohmann::json& config) {
  return gcsstore::open_store(cairn::Uri::parse(uri), config);
}

// A store for gs://bkt/run on `fake`, with the vectors' service account
// (written into `dir`, its token_uri the fake's), quick retries and `more`.
inline std::unique_ptr<cairn::ObjectStore> store_on_fake(const FakeGcs& fake, const TempDir& dir, nlohmann::json more) {
  more["prefix"] = "run";
  more["credentials_file"] = write_service_account(dir, fake.token_uri());
  return open_store("gs://bkt/run", quick_config(fake.endpoint(), std::move(more)));
}

// Resumable chunks are multiples of this (Google's granularity).
constexpr uint64_t kGranule = 256 * 1024;

// The fake with authorization on (the vectors' service account), in a clean
// environment, with a scratch folder: what the resumable tests start from.
struct AuthorizedFake {
  AuthorizedFake() : fake({"--service-account", vectors_dir() + "/fake-service-account.json"}) {}
  CleanEnvironment env;
  FakeGcs fake;
  TempDir dir;
};

}  // namespace gcstest
