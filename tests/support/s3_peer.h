// A real S3 server on loopback for a C++ test (tests/support/s3_peers.py):
//
//   cairn::test::S3Peer peer("moto", "my-bucket");   // or "s3rver"
//   CAIRN_SKIP_UNLESS_AVAILABLE(peer);
//   peer.endpoint(), peer.access_key(), ...;
//   ScopedEnv env; peer.export_env(env);   // restored when `env` ends
//
// moto checks SigV4 signatures (a wrong secret gets 403 SignatureDoesNotMatch);
// s3rver checks only the access key id. verifies_signatures() is measured at
// start (s3_peers.py sends a request signed with a wrong secret), and the
// server a test runs against is printed on its stderr. The server stops when
// `peer` goes out of scope. See tests/support/README.md for each server's quirks.
#pragma once

#include <cstdlib>
#include <string>

#include "loopback_peer.h"
#include "scoped_env.h"

#ifndef CAIRN_TEST_SOURCE_DIR
#error "CAIRN_TEST_SOURCE_DIR must name the source tree (cairn_add_test defines it)"
#endif

namespace cairn::test {

class S3Peer : public LoopbackPeer {
 public:
  explicit S3Peer(const std::string& kind, const std::string& bucket = "cairn-test",
                  const std::string& region = "us-east-1")
      : LoopbackPeer(std::string(CAIRN_TEST_SOURCE_DIR) + "/tests/support/s3_peers.py",
                     {"start", kind, "--bucket", bucket, "--region", region}) {}

  std::string kind() const { return field("kind"); }
  std::string endpoint() const { return field("endpoint"); }
  std::string access_key() const { return field("access_key"); }
  std::string secret_key() const { return field("secret_key"); }
  std::string region() const { return field("region"); }
  std::string bucket() const { return field("bucket"); }
  int server_pid() const { return info().at("pid").get<int>(); }
  int port() const { return info().at("port").get<int>(); }
  bool verifies_signatures() const { return info().at("verifies_signatures").get<bool>(); }

  // Points boto3-style clients in this process and its children (awscli,
  // bin/cairn) at this server until `env` goes out of scope.
  void export_env(ScopedEnv& env) const {
    env.set("S3_ENDPOINT_URL", endpoint())
        .set("AWS_ACCESS_KEY_ID", access_key())
        .set("AWS_SECRET_ACCESS_KEY", secret_key())
        .set("AWS_REGION", region())
        .set("AWS_DEFAULT_REGION", region())
        .unset("AWS_SESSION_TOKEN")
        .unset("AWS_PROFILE");
  }

 private:
  std::string field(const char* name) const { return info().at(name).get<std::string>(); }
};

}  // namespace cairn::test

// For tests that prove Cairn's signatures are accepted: moto, with its
// signature checking measured (s3rver checks none). Skips where moto cannot
// run (a failure under CAIRN_REQUIRE_PEERS=1).
#define CAIRN_REQUIRE_SIGNING_PEER(peer) \
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);     \
  BOOST_REQUIRE_MESSAGE((peer).verifies_signatures(), "moto accepted a wrongly signed request")
