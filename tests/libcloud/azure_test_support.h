// Helpers shared by the libcloud tests against Azurite: the azure_blobs
// store config they use, the environment the outside clients read, and the
// check that Azurite verifies signatures.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "azure_peer.h"
#include "libcloud_test_support.h"

namespace libcloudtest {

// The azure_blobs provider on `peer`: blocks of 1 MiB, four in flight, one
// Put Blob below 3 MiB, Composer's progress every 256 KiB, quick retries.
// `secret_override` replaces the account key.
inline nlohmann::json azurite_config(const cairn::test::AzurePeer& peer, const std::string& secret_override = "") {
  nlohmann::json kwargs = nlohmann::json::parse(peer.provider_kwargs_json());
  if (!secret_override.empty()) kwargs["secret"] = secret_override;
  kwargs["retry_delay"] = 0.01;
  return {{"provider", "azure_blobs"},
          {"container", peer.container()},
          {"provider_kwargs", kwargs},
          {"chunk_size", 256 << 10},
          {"transfer_config", {{"multipart_threshold", 3 << 20}, {"multipart_chunksize", 1 << 20}, {"max_concurrency", 4}}}};
}

// The outside clients (peer_clients.py) find the account, key and endpoint
// here, not on their command line.
inline std::string azure_client_env(const cairn::test::AzurePeer& peer) {
  return "AZURE_STORAGE_CONNECTION_STRING=" + shell_quote(peer.connection_string());
}

}  // namespace libcloudtest

// In a test case: skip without Azurite, fail when it accepts bad signatures.
#define REQUIRE_AZURITE(peer)        \
  CAIRN_SKIP_UNLESS_AVAILABLE(peer); \
  BOOST_REQUIRE_MESSAGE((peer).verifies_signatures(), "Azurite accepted a wrongly signed request")
