// The s3, minio and google_storage providers, which run the s3 plugin's store
// with libcloud's arguments (host, port, secure, region; path-style buckets),
// against real S3 servers on loopback (tests/support/s3_peers.py): moto, which
// checks SigV4 signatures, and s3rver; streams included.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "libcloud_test_support.h"
#include "s3_peer.h"
#include "stream_pieces.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;
using cairn::test::S3Peer;
using libcloudtest::random_bytes;
using libcloudtest::read_file;
using libcloudtest::write_file;
using nlohmann::json;

namespace {

json provider_config(const S3Peer& peer, const std::string& provider, const std::string& secret) {
  const auto colon = peer.endpoint().rfind(':');
  return {{"provider", provider},
          {"container", peer.bucket()},
          {"provider_kwargs",
           {{"key", peer.access_key()}, {"secret", secret}, {"host", "127.0.0.1"},
            {"port", std::stoi(peer.endpoint().substr(colon + 1))}, {"secure", false}, {"retry_delay", 0.01}}},
          {"chunk_size", 1 << 20},
          {"transfer_config", {{"multipart_threshold", 6 << 20}, {"multipart_chunksize", 5 << 20}}}};
}

void exercise(cairn::ObjectStore& store, const std::string& scheme, const std::string& bucket) {
  libcloudtest::TempDir dir;
  const std::string small = random_bytes(2000, 41);
  const std::string large = random_bytes((11 << 20) + 9, 42);  // 3 parts
  write_file(dir / "small.bin", small);
  write_file(dir / "large.bin", large);
  libcloudtest::ProgressLog up;
  store.upload_object("run/large.bin", dir / "large.bin", up.fn());
  libcloudtest::check_composer_progress(up, large.size(), 1 << 20);
  store.upload_object("run/small.bin", dir / "small.bin");
  BOOST_TEST(store.get_uri("run/small.bin") == scheme + "://" + bucket + "/run/small.bin");
  // No '/' in the prefix: moto rejects valid signatures of such listings (tests/support/README.md).
  BOOST_TEST((store.list_objects("run") == std::vector<std::string>{"run/large.bin", "run/small.bin"}));
  BOOST_TEST(store.get_object_size("run/large.bin") == large.size());
  store.download_object("run/large.bin", dir / "got.bin");
  BOOST_TEST((read_file(dir / "got.bin") == large));
  // A stream goes through the provider's own (S3 multipart from memory), in
  // Composer's progress steps.
  libcloudtest::ProgressLog streamed;
  auto writer = store.open_writer("run/streamed.bin", large.size(), streamed.fn());
  cairn::test::write_in_pieces(*writer, large);
  writer->commit();
  libcloudtest::check_composer_progress(streamed, large.size(), 1 << 20);
  store.download_object("run/streamed.bin", dir / "streamed.bin");
  BOOST_TEST((read_file(dir / "streamed.bin") == large));
  store.delete_object("run/streamed.bin");
  store.delete_object("run/large.bin");
  BOOST_CHECK_THROW(store.get_object_size("run/large.bin"), cairn::NotFoundError);
  store.delete_object("run/small.bin");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_providers)

BOOST_AUTO_TEST_CASE(s3_provider_on_moto_with_signatures_checked) {
  S3Peer peer("moto");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  BOOST_REQUIRE(peer.verifies_signatures());
  auto store = libcloudtest::open_store(provider_config(peer, "s3", peer.secret_key()));
  exercise(*store, "s3", peer.bucket());
  auto wrong = libcloudtest::open_store(provider_config(peer, "s3", "wrong" + peer.secret_key()));
  const std::string message = error_text<cairn::AuthenticationError>([&] { wrong->list_objects(); });
  BOOST_TEST(contains(message, "403"), message);
  BOOST_TEST(!contains(message, peer.secret_key()), message);
}

BOOST_AUTO_TEST_CASE(minio_provider_on_s3rver) {
  S3Peer peer("s3rver");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  auto store = libcloudtest::open_store(provider_config(peer, "minio", peer.secret_key()));
  exercise(*store, "minio", peer.bucket());
}

BOOST_AUTO_TEST_CASE(google_storage_provider_signs_as_gcs_hmac_keys_do) {
  // GCS's XML API accepts SigV4 with region "auto"; moto checks the signature.
  S3Peer peer("moto");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  BOOST_REQUIRE(peer.verifies_signatures());
  auto store = libcloudtest::open_store(provider_config(peer, "google_storage", peer.secret_key()));
  exercise(*store, "google_storage", peer.bucket());
}

BOOST_AUTO_TEST_SUITE_END()
