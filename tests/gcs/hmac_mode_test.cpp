// GCS_KEY + GCS_SECRET: Composer's HMAC mode, GCS's S3-compatible XML API
// through the s3 plugin's store. GCS's XML API checks SigV4 signatures made
// with HMAC keys as S3 does; moto, which verifies them (a wrong secret gets
// 403), stands in for it behind the store's api_endpoint. Streams are
// S3Store's too (multipart uploads from memory).
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "gcs_test_support.h"
#include "s3_peer.h"
#include "s3_settings.h"
#include "s3_store.h"
#include "stream_pieces.h"
#include "test_skip.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::write_in_pieces;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(gcs_hmac_mode)

BOOST_AUTO_TEST_CASE(hmac_keys_go_to_the_xml_api_at_storage_googleapis_com) {
  gcstest::CleanEnvironment env;
  env.env().set("GCS_KEY", "GOOG1EXAMPLEKEY");
  env.env().set("GCS_SECRET", "gcs-secret-example");
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent.json");  // HMAC keys come first
  const auto store = gcstest::open_store("gs://b/x", {{"prefix", "runs"}, {"chunk_size", 16 << 20}});
  const auto& s3 = dynamic_cast<s3store::S3Store&>(*store);
  const auto& settings = s3.client().settings();
  BOOST_TEST(settings.endpoint.scheme == "https");
  BOOST_TEST(settings.endpoint.host == "b.storage.googleapis.com");
  BOOST_TEST(settings.region == "auto");
  BOOST_TEST(settings.credentials.access_key_id == "GOOG1EXAMPLEKEY");
  BOOST_TEST(settings.transfer.multipart_chunksize == 16u << 20);
  BOOST_TEST(store->get_uri("ep1.pt") == "gs://b/runs/ep1.pt");
  // One of the pair is not HMAC mode (Composer checks both).
  env.env().unset("GCS_SECRET");
  const std::string text = cairn::test::error_text<cairn::ConfigError>([] { gcstest::open_store("gs://b/x", json::object()); });
  BOOST_TEST(contains(text, "/nonexistent.json' (GOOGLE_APPLICATION_CREDENTIALS) cannot be read"), text);
}

BOOST_AUTO_TEST_CASE(hmac_mode_signs_requests_a_verifying_server_accepts) {
  cairn::test::S3Peer peer("moto", "gcs-hmac");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  BOOST_REQUIRE_MESSAGE(peer.verifies_signatures(), "moto accepted a wrongly signed request");
  gcstest::CleanEnvironment env;
  gcstest::TempDir dir;
  env.env().set("GCS_KEY", peer.access_key());
  env.env().set("GCS_SECRET", peer.secret_key());
  const json config = gcstest::quick_config(peer.endpoint(), {{"resumable_threshold", 5 << 20}, {"chunk_size", 5 << 20}});
  // No prefix: moto refuses valid signatures of listings whose prefix holds
  // a '/' (tests/support/README.md).
  auto store = gcstest::open_store("gs://gcs-hmac", config);
  const std::string small = gcstest::random_bytes(1000, 5);
  const std::string large = gcstest::random_bytes((11 << 20) + 3, 6);  // three parts
  write_file(dir / "small", small);
  write_file(dir / "large", large);
  store->upload_object("ep1.pt", dir / "small");
  store->upload_object("ep2.pt", dir / "large");
  BOOST_TEST((store->list_objects() == std::vector<std::string>{"ep1.pt", "ep2.pt"}));
  BOOST_TEST(store->get_object_size("ep2.pt") == large.size());
  store->download_object("ep2.pt", dir / "back");
  BOOST_TEST((gcstest::read_file(dir / "back") == large));
  // Streams go through S3Store's multipart upload to the XML API.
  const std::string streamed = gcstest::random_bytes((12 << 20) + 5, 7);
  auto writer = store->open_writer("ep3.pt", streamed.size());
  write_in_pieces(*writer, streamed);
  BOOST_CHECK_THROW(store->get_object_size("ep3.pt"), cairn::NotFoundError);
  writer->commit();
  store->download_object("ep3.pt", dir / "streamed");
  BOOST_TEST((gcstest::read_file(dir / "streamed") == streamed));
  // A wrong secret: refused, and the message holds neither secret.
  env.env().set("GCS_SECRET", "wrong-" + peer.secret_key());
  auto wrong = gcstest::open_store("gs://gcs-hmac", config);
  const std::string text = cairn::test::error_text<cairn::AuthenticationError>([&] { wrong->get_object_size("ep1.pt"); });
  BOOST_TEST(contains(text, "gs://gcs-hmac/ep1.pt"), text);
  BOOST_TEST(!contains(text, peer.secret_key()), text);
}

BOOST_AUTO_TEST_SUITE_END()
