// The gcs store against firebase-tools' Storage emulator (a JSON API server
// nobody here wrote), with Google's own Node client, @google-cloud/storage,
// reading what Cairn uploads and writing what Cairn downloads, byte for byte.
// The emulator finalises a resumable upload on its first PUT, so uploads here
// fit in one chunk; chunked uploads are tested against the fake
// (resumable_upload_test.cpp).
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "gcs_peer.h"
#include "gcs_test_support.h"
#include "stream_pieces.h"
#include "test_skip.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::write_in_pieces;
using nlohmann::json;

namespace {

struct Fixture {
  gcstest::CleanEnvironment env;
  gcstest::TempDir dir;
  cairn::test::GcsEmulator emulator{"interop"};

  std::unique_ptr<cairn::ObjectStore> store(json config = json::object()) {
    emulator.export_env(env.env());
    config["prefix"] = "cairn";
    return gcstest::open_store("gs://interop", config);
  }
  std::string node_download(const std::string& key) {
    const std::string to = dir / ("node-" + std::to_string(++downloads));
    const auto run = emulator.node_client({"download", "interop", key, to});
    BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
    return gcstest::read_file(to);
  }
  void node_upload(const std::string& key, const std::string& data, bool resumable) {
    write_file(dir / "node-src", data);
    const auto run = emulator.node_client({"upload", "interop", key, dir / "node-src", resumable ? "resumable" : "simple"});
    BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
  }
  int downloads = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(gcs_emulator_interop)

BOOST_FIXTURE_TEST_CASE(google_client_reads_what_cairn_uploads, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(emulator);
  auto s = store({{"resumable_threshold", 4 << 20}});
  const std::string small = gcstest::random_bytes(70'001, 1);
  const std::string large = gcstest::random_bytes(20 << 20, 2);  // resumable, one chunk
  write_file(dir / "small", small);
  write_file(dir / "large", large);
  s->upload_object("ep1 a+b.pt", dir / "small");
  s->upload_object("dir/large.pt", dir / "large");
  BOOST_TEST((node_download("cairn/ep1 a+b.pt") == small));
  BOOST_TEST((node_download("cairn/dir/large.pt") == large));
  const auto listed = emulator.node_client({"list", "interop", "cairn/"});
  BOOST_TEST(listed.status == 0, listed.output);
  BOOST_TEST(contains(listed.output, "cairn/ep1 a+b.pt\n"), listed.output);
  BOOST_TEST(contains(listed.output, "cairn/dir/large.pt\n"), listed.output);
  const auto size = emulator.node_client({"size", "interop", "cairn/dir/large.pt"});
  BOOST_TEST(contains(size.output, std::to_string(large.size())), size.output);
}

BOOST_FIXTURE_TEST_CASE(cairn_reads_what_google_client_uploads, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(emulator);
  auto s = store({{"download_chunk_size", 1 << 20}});
  const std::string plain = gcstest::random_bytes(123'456, 3);
  const std::string big = gcstest::random_bytes((9 << 20) + 17, 4);
  node_upload("cairn/plain.pt", plain, false);
  node_upload("cairn/big.pt", big, true);
  BOOST_TEST(s->get_object_size("big.pt") == big.size());
  s->download_object("plain.pt", dir / "plain");
  s->download_object("big.pt", dir / "big");  // ten concurrent ranges of one generation
  BOOST_TEST((gcstest::read_file(dir / "plain") == plain));
  BOOST_TEST((gcstest::read_file(dir / "big") == big));
  BOOST_TEST((s->list_objects() == std::vector<std::string>{"big.pt", "plain.pt"}));
}

BOOST_FIXTURE_TEST_CASE(google_client_reads_a_short_stream, Fixture) {
  // Below resumable_threshold a stream is one media upload, which the
  // emulator takes as GCS does (longer streams are chunked sessions, which it
  // cannot take: resumable_stream_test.cpp runs them against the fake).
  CAIRN_SKIP_UNLESS_AVAILABLE(emulator);
  auto s = store({{"resumable_threshold", 4 << 20}});
  const std::string data = gcstest::random_bytes((3 << 20) + 11, 5);
  auto writer = s->open_writer("streamed.pt");
  write_in_pieces(*writer, data);
  BOOST_CHECK_THROW(s->get_object_size("streamed.pt"), cairn::NotFoundError);
  writer->commit();
  BOOST_TEST((node_download("cairn/streamed.pt") == data));
}

BOOST_FIXTURE_TEST_CASE(delete_and_not_found_as_google_client_sees_them, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(emulator);
  auto s = store();
  node_upload("cairn/gone.pt", "bytes", false);
  s->delete_object("gone.pt");
  const auto after = emulator.node_client({"size", "interop", "cairn/gone.pt"});
  BOOST_TEST(after.status == 2);
  BOOST_TEST(contains(after.output, "404"), after.output);
  const std::string text = cairn::test::error_text<cairn::NotFoundError>([&] { s->get_object_size("gone.pt"); });
  BOOST_TEST(contains(text, "size query of 'gs://interop/cairn/gone.pt' failed: HTTP 404"), text);
  BOOST_CHECK_THROW(s->delete_object("gone.pt"), cairn::NotFoundError);
  BOOST_CHECK_THROW(s->download_object("gone.pt", dir / "g"), cairn::NotFoundError);
}

BOOST_AUTO_TEST_SUITE_END()
