// The loopback fake of OCI Object Storage (tests/support/oci_fake_server.py)
// for a C++ test:
//
//   cairn::test::OciFake fake({"bucket-a"});       // a fresh API key and config file
//   CAIRN_SKIP_UNLESS_AVAILABLE(fake);              // cryptography missing: skip
//   ScopedEnv env; fake.export_env(env);            // OCI_CONFIG_FILE, OCI_OBJECT_STORAGE_ENDPOINT
//   fake.stats();                                   // {"requests", "rejected", "objects", ...}
//   fake.object("bucket-a", "name");                // the bytes it stores (not through Cairn)
//
// Every request must be signed with the fake's key (401 NotAuthenticated
// otherwise); the server stops when `fake` goes out of scope.
#pragma once

#include <string>
#include <vector>

#include "loopback_peer.h"
#include "scoped_env.h"
#include "temp_dir.h"
#include "test_process.h"

#ifndef CAIRN_TEST_SOURCE_DIR
#error "CAIRN_TEST_SOURCE_DIR must name the source tree (cairn_add_test defines it)"
#endif

namespace cairn::test {

struct OciFakeOptions {
  std::vector<std::string> buckets = {"cairn-test"};
  int page_size = 1000;          // the largest ListObjects page
  std::string pass_phrase;       // encrypts the key file when set
  bool traditional_key = false;  // PKCS#1 PEM ("Proc-Type: 4,ENCRYPTED") rather than PKCS#8
};

class OciFake : public LoopbackPeer {
 public:
  explicit OciFake(const OciFakeOptions& options = {}) : LoopbackPeer(script(), arguments(options)) {}

  std::string endpoint() const { return field("endpoint"); }
  std::string config_file() const { return field("config_file"); }
  std::string key_file() const { return field("key_file"); }
  std::string namespace_name() const { return field("namespace"); }
  std::string bucket() const { return info().at("buckets").at(0).get<std::string>(); }
  std::string key_id() const { return field("key_id"); }

  // Points Cairn's oci store in this process and its children at `endpoint`
  // (this fake, or a proxy in front of it) until `env` goes out of scope.
  void export_env(ScopedEnv& env, const std::string& endpoint = "") const {
    env.set("OCI_CONFIG_FILE", config_file())
        .set("OCI_OBJECT_STORAGE_ENDPOINT", endpoint.empty() ? this->endpoint() : endpoint)
        .unset("OCI_CLI_PROFILE");
  }

  // The fake's counters, straight from it (never through a proxy).
  nlohmann::json stats() const {
    const CommandResult r = run_command(command() + " stats " + endpoint());
    if (r.status != 0) throw std::runtime_error("oci fake: stats failed: " + r.output);
    return nlohmann::json::parse(r.output);
  }

  // The next `count` properly signed requests of `operation` (UploadPart,
  // CommitMultipartUpload, PutObject, ...) fail with `status` and OCI `code`.
  void fail_next(const std::string& operation, int count, int status, const std::string& code) const {
    const CommandResult r = run_command(command() + " fail " + endpoint() + " " + operation + " " +
                                        std::to_string(count) + " " + std::to_string(status) + " " + code);
    if (r.status != 0) throw std::runtime_error("oci fake: fail_next failed: " + r.output);
  }

  // The bytes the fake stores under `name`, read without Cairn.
  std::string object(const std::string& bucket, const std::string& name) const {
    TempDir dir;
    const std::string out = dir / "object";
    const CommandResult r = run_command(command() + " get " + endpoint() + " " + shell_quote(bucket) + " " +
                                        shell_quote(name) + " " + shell_quote(out));
    if (r.status != 0) throw std::runtime_error("oci fake: no object '" + name + "' in '" + bucket + "': " + r.output);
    return read_file(out);
  }

 private:
  static std::string script() { return std::string(CAIRN_TEST_SOURCE_DIR) + "/tests/support/oci_fake_server.py"; }
  static std::string command() { return std::string(CAIRN_TEST_PYTHON) + " " + script(); }
  static std::vector<std::string> arguments(const OciFakeOptions& options) {
    std::vector<std::string> args = {"start", "--page-size", std::to_string(options.page_size)};
    for (const std::string& bucket : options.buckets) args.insert(args.end(), {"--bucket", bucket});
    if (!options.pass_phrase.empty()) args.insert(args.end(), {"--pass-phrase", options.pass_phrase});
    if (options.traditional_key) args.push_back("--traditional-key");
    return args;
  }
  std::string field(const char* name) const { return info().at(name).get<std::string>(); }
};

}  // namespace cairn::test
