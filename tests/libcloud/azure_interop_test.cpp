// What Cairn writes to Azure Blob storage (Azurite), Apache libcloud's own
// azure_blobs driver and Microsoft's Azure SDK read byte for byte, and the
// reverse: blobs they upload (single puts and blocks) Cairn lists, sizes and
// downloads. The clients run with /usr/bin/python3 (tests/libcloud/peer_clients.py).
#include <filesystem>

#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "azure_test_support.h"

using cairn::test::AzurePeer;
using libcloudtest::peer_client;
using libcloudtest::random_bytes;
using libcloudtest::read_file;
using libcloudtest::shell_quote;
using libcloudtest::write_file;
using nlohmann::json;

namespace {

json store_config(const AzurePeer& peer) {
  return {{"provider", "azure_blobs"},
          {"container", peer.container()},
          {"provider_kwargs", json::parse(peer.provider_kwargs_json())},
          {"transfer_config", {{"multipart_threshold", 4 << 20}, {"multipart_chunksize", 2 << 20}}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(azure_interop)

BOOST_AUTO_TEST_CASE(libcloud_and_the_azure_sdk_read_what_cairn_uploads) {
  AzurePeer peer;
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  auto store = libcloudtest::open_store(store_config(peer));
  libcloudtest::TempDir dir;
  const std::map<std::string, std::string> blobs = {
      {"ckpt/ep1-ba4-rank0.pt", random_bytes(300000, 21)},
      {"ckpt/ep2-ba8-rank0.pt", random_bytes((9 << 20) + 77, 22)},  // 5 blocks
      {"ckpt/latest-rank0.pt.symlink", "ckpt/ep2-ba8-rank0.pt"},
  };
  for (const auto& [name, body] : blobs) {
    write_file(dir / "in.bin", body);
    store->upload_object(name, dir / "in.bin");
  }
  json expected = json::object();
  for (const auto& [name, body] : blobs) expected[name] = body.size();

  for (const char* client : {"libcloud-azure", "azure-sdk"}) {
    BOOST_TEST_CONTEXT(client) {
      const auto listed = peer_client(std::string(client) + " list " + shell_quote(peer.container()) + " ckpt/",
                                      libcloudtest::azure_client_env(peer));
      REQUIRE_PEER_CLIENT(listed);
      BOOST_TEST(json::parse(listed.output) == expected, listed.output);
      for (const auto& [name, body] : blobs) {
        const std::string out = dir / (std::string(client) + ".bin");
        const auto got = peer_client(std::string(client) + " get " + shell_quote(peer.container()) + " " +
                                         shell_quote(name) + " " + shell_quote(out),
                                     libcloudtest::azure_client_env(peer));
        REQUIRE_PEER_CLIENT(got);
        BOOST_TEST((read_file(out) == body), name);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(cairn_reads_what_libcloud_and_the_azure_sdk_upload) {
  AzurePeer peer;
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  auto store = libcloudtest::open_store(store_config(peer));
  libcloudtest::TempDir dir;
  // The SDK sends blocks above its 64 MiB single-put size; libcloud's
  // upload_object streams 4 MiB blocks.
  const std::vector<std::tuple<std::string, std::string, std::string>> uploads = {
      {"libcloud-azure", "by-libcloud/small.pt", random_bytes(12345, 31)},
      {"libcloud-azure", "by-libcloud/large.pt", random_bytes((10 << 20) + 5, 32)},
      {"azure-sdk", "by-sdk/small.pt", random_bytes(54321, 33)},
      {"azure-sdk", "by-sdk/large.pt", random_bytes((70 << 20) + 3, 34)},
  };
  for (const auto& [client, name, body] : uploads) {
    write_file(dir / "in.bin", body);
    const auto put = peer_client(client + " put " + shell_quote(peer.container()) + " " + shell_quote(name) + " " +
                                     shell_quote(dir / "in.bin"),
                                 libcloudtest::azure_client_env(peer));
    REQUIRE_PEER_CLIENT(put);
  }
  BOOST_TEST((store->list_objects() == std::vector<std::string>{"by-libcloud/large.pt", "by-libcloud/small.pt",
                                                                "by-sdk/large.pt", "by-sdk/small.pt"}));
  for (const auto& [client, name, body] : uploads) {
    BOOST_TEST(store->get_object_size(name) == body.size(), name);
    store->download_object(name, dir / "out.bin", true);
    BOOST_TEST((read_file(dir / "out.bin") == body), name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
