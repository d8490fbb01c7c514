// Helpers shared by the libcloud store tests: opening a store from a JSON
// config as the plugin does, recording progress callbacks, and running the
// outside clients of peer_clients.py (Apache libcloud, the Azure SDK).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cairn/object_store.h"
#include "libcloud_settings.h"
#include "libcloud_store.h"
#include "provider_table.h"
#include "s3_test_support.h"
#include "test_skip.h"

namespace libcloudtest {

using s3test::random_bytes;
using s3test::read_file;
using s3test::shell_quote;
using s3test::TempDir;
using s3test::write_file;

// What the plugin's factory hands out for `uri` ("" : by name) and `config`.
inline std::unique_ptr<cairn::ObjectStore> open_store(const nlohmann::json& config, const std::string& uri = "") {
  const cairn::Uri location = uri.empty() ? cairn::Uri{} : cairn::Uri::parse(uri);
  const libcloud::LibcloudSettings settings = libcloud::resolve_libcloud_settings(location, config);
  return std::make_unique<libcloud::LibcloudStore>(libcloud::open_provider(settings), settings.chunk_size);
}

// Every progress call, in order (callbacks may come from several threads).
struct ProgressLog {
  std::mutex lock;
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  cairn::ProgressFn fn() {
    return [this](uint64_t done, uint64_t total) {
      std::lock_guard<std::mutex> guard(lock);
      calls.emplace_back(done, total);
    };
  }
};

// Composer's contract (test_libcloud_object_store_callback): (0, total), then
// cumulative, one call per chunk: ceil(total / chunk) + 1 calls.
inline void check_composer_progress(const ProgressLog& log, uint64_t total, uint64_t chunk) {
  const uint64_t expected = (total + chunk - 1) / chunk + 1;
  BOOST_TEST(log.calls.size() == expected);
  if (log.calls.empty()) return;
  BOOST_TEST(log.calls.front().first == 0u);
  for (size_t i = 1; i < log.calls.size(); ++i) {
    BOOST_TEST(log.calls[i].first == std::min<uint64_t>(i * chunk, total));
    BOOST_TEST(log.calls[i].second == total);
  }
}

// Runs tests/libcloud/peer_clients.py with `arguments` (already quoted) and
// `env` (VAR=value words, already quoted); its status and output (status 77:
// the client is not installed; REQUIRE_PEER_CLIENT skips then).
inline s3test::CommandResult peer_client(const std::string& arguments, const std::string& env = "") {
  const std::string script = std::string(CAIRN_TEST_SOURCE_DIR) + "/tests/libcloud/peer_clients.py";
  return s3test::run_command((env.empty() ? "" : "env " + env + " ") + CAIRN_TEST_PYTHON + " " + script + " " +
                             arguments);
}

// libcloud's local driver keeps its lock files in the temporary folder: the
// environment giving it one of the test's own (under `dir`, removed with it).
inline std::string local_client_env(const TempDir& dir) {
  std::filesystem::create_directories(dir.path() / "python-tmp");
  return "TMPDIR=" + shell_quote(dir / "python-tmp");
}

}  // namespace libcloudtest

// In a test case: skip when the client is not installed, fail when it failed.
#define REQUIRE_PEER_CLIENT(result)                                            \
  do {                                                                         \
    if ((result).status == 77) CAIRN_SKIP_TEST((result).output);               \
    BOOST_REQUIRE_MESSAGE((result).status == 0, "peer client failed: " << (result).output); \
  } while (0)
