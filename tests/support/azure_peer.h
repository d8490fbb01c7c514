// Azurite (tests/support/azure_peers.py), the Azure Storage emulator, on
// loopback for a C++ test:
//
//   cairn::test::AzurePeer peer;            // container "cairn-test"
//   CAIRN_SKIP_UNLESS_AVAILABLE(peer);
//   peer.endpoint(), peer.account(), peer.key(), peer.container(), ...
//   ScopedEnv env; peer.export_env(env);   // restored when `env` ends
//
// Azurite checks Shared Key signatures; verifies_signatures() is measured at
// start (a listing signed with a wrong key must get 403). The server stops
// when `peer` goes out of scope. The key is Azurite's published development
// key, still never printed by the tests.
#pragma once

#include <string>

#include "loopback_peer.h"
#include "scoped_env.h"

#ifndef CAIRN_TEST_SOURCE_DIR
#error "CAIRN_TEST_SOURCE_DIR must name the source tree (cairn_add_test defines it)"
#endif

namespace cairn::test {

class AzurePeer : public LoopbackPeer {
 public:
  explicit AzurePeer(const std::string& container = "cairn-test")
      : LoopbackPeer(std::string(CAIRN_TEST_SOURCE_DIR) + "/tests/support/azure_peers.py",
                     {"start", "azurite", "--container", container}) {}

  // http://127.0.0.1:PORT/devstoreaccount1: path-style, the account leads the path.
  std::string endpoint() const { return field("endpoint"); }
  std::string host() const { return field("host"); }
  int port() const { return info().at("port").get<int>(); }
  std::string account() const { return field("account"); }
  std::string key() const { return field("key"); }
  std::string container() const { return field("container"); }
  std::string connection_string() const { return field("connection_string"); }
  int server_pid() const { return info().at("pid").get<int>(); }
  bool verifies_signatures() const { return info().at("verifies_signatures").get<bool>(); }

  // libcloud's provider_kwargs for this server, as JSON text.
  std::string provider_kwargs_json() const {
    return "{\"key\": \"" + account() + "\", \"secret\": \"" + key() + "\", \"host\": \"" + host() +
           "\", \"port\": " + std::to_string(port()) + ", \"secure\": false}";
  }

  // Composer's azure:// variables and the Azure tools' connection string
  // (which gives Cairn the endpoint) until `env` goes out of scope.
  void export_env(ScopedEnv& env) const {
    env.set("AZURE_ACCOUNT_NAME", account())
        .set("AZURE_ACCOUNT_ACCESS_KEY", key())
        .set("AZURE_STORAGE_CONNECTION_STRING", connection_string());
  }

 private:
  std::string field(const char* name) const { return info().at(name).get<std::string>(); }
};

}  // namespace cairn::test
