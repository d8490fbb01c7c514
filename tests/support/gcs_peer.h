// Google Cloud Storage's JSON API on loopback for a C++ test: firebase-tools'
// Storage emulator (tests/support/gcs_peers.py), and @google-cloud/storage,
// Google's Node client, to read and write what Cairn reads and writes.
//
//   cairn::test::GcsEmulator emulator("my-bucket");
//   CAIRN_SKIP_UNLESS_AVAILABLE(emulator);
//   ScopedEnv env; emulator.export_env(env);   // STORAGE_EMULATOR_HOST
//   emulator.node_client({"download", "my-bucket", "k", "/tmp/x"});
//
// The emulator checks no authorization, its resumable uploads are single-shot
// and its bodies are capped near 130 MB (../shared test-peers.md §2).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "loopback_peer.h"
#include "scoped_env.h"

#ifndef CAIRN_TEST_SOURCE_DIR
#error "CAIRN_TEST_SOURCE_DIR must name the source tree (cairn_add_test defines it)"
#endif

namespace cairn::test {

class GcsEmulator : public LoopbackPeer {
 public:
  explicit GcsEmulator(const std::string& bucket = "cairn-test")
      : LoopbackPeer(std::string(CAIRN_TEST_SOURCE_DIR) + "/tests/support/gcs_peers.py", {"start", "--bucket", bucket}) {}

  std::string endpoint() const { return field("endpoint"); }
  std::string bucket() const { return field("bucket"); }

  // Points Google's clients and Cairn's gcs store in this process and its
  // children at the emulator (no authorization) until `env` ends.
  void export_env(ScopedEnv& env) const {
    env.set("STORAGE_EMULATOR_HOST", endpoint())
        .unset("GCS_KEY")
        .unset("GCS_SECRET")
        .unset("GOOGLE_APPLICATION_CREDENTIALS");
  }

  struct Run {
    int status = -1;
    std::string output;  // stdout and stderr together
  };

  // Runs tests/support/gcs_node_client.js with @google-cloud/storage against
  // the emulator: upload BUCKET NAME FILE | download BUCKET NAME FILE |
  // list BUCKET PREFIX | size BUCKET NAME | delete BUCKET NAME.
  Run node_client(const std::vector<std::string>& args) const {
    std::string command = "NODE_PATH=" + quote(field("node_path")) + " STORAGE_EMULATOR_HOST=" + quote(endpoint()) +
                          " node " + quote(field("node_client"));
    for (const std::string& arg : args) command += " " + quote(arg);
    Run run;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return run;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) run.output.append(buffer, n);
    const int status = ::pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }

 private:
  std::string field(const char* name) const { return info().at(name).get<std::string>(); }
  static std::string quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
};

}  // namespace cairn::test
