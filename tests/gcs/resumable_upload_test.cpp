// Chunked resumable uploads against the loopback fake, which enforces GCS's
// resumable protocol (tests/gcs/resumable_sessions.py): chunks in multiples
// of 256 KiB at the offset the session expects, 308 with Range, status
// queries. Chunks are dropped midway, refused with 503 and kept only in part;
// every upload must still land byte for byte, resuming from what the server
// says it has.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "gcs_test_support.h"
#include "test_skip.h"
#include "test_text.h"

using cairn::test::contains;
using nlohmann::json;

namespace {

using gcstest::kGranule;

// A store with the service account's key on the authorizing fake.
struct Fixture : gcstest::AuthorizedFake {

  std::unique_ptr<cairn::ObjectStore> store(uint64_t chunk) {
    return gcstest::store_on_fake(fake, dir, {{"chunk_size", chunk}, {"resumable_threshold", 1}});
  }
  // Uploads `size` random bytes, then reads them back through the fake's media route.
  void round_trip(cairn::ObjectStore& s, const std::string& name, uint64_t size, uint64_t seed) {
    const std::string data = gcstest::random_bytes(size, seed);
    write_file(dir / name, data);
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    s.upload_object(name, dir / name, [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
    BOOST_REQUIRE(!calls.empty());
    BOOST_TEST(calls.front().first == 0u);
    BOOST_TEST(calls.back().first == size);
    for (size_t i = 1; i < calls.size(); ++i) BOOST_TEST(calls[i].first >= calls[i - 1].first);
    s.download_object(name, dir / (name + ".back"));
    BOOST_TEST((gcstest::read_file(dir / (name + ".back")) == data), name << " came back different");
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(resumable_upload)

BOOST_FIXTURE_TEST_CASE(chunks_go_in_order_with_308_until_the_last, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto s = store(kGranule);
  round_trip(*s, "a.bin", 4 * kGranule + 1000, 1);  // 4 full chunks and a short last one
  const json stats = fake.stats();
  BOOST_TEST(stats.at("sessions").get<int>() == 1);
  BOOST_TEST(stats.at("chunks").get<int>() == 5);
  BOOST_TEST(stats.at("status_queries").get<int>() == 0);
  BOOST_TEST(stats.at("rejected").empty(), stats.at("rejected").dump());
}

BOOST_FIXTURE_TEST_CASE(a_chunk_dropped_midway_resumes_from_what_the_server_has, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  // Chunk 2: reset after half its body (the fake keeps the whole granules it
  // got; libcurl may resend the chunk at once on a new connection, which GCS
  // accepts as a replay); chunk 4: 503; chunk 5: the server keeps only part
  // of it (308 with a shorter Range); chunk 7: applied, but its answer is cut
  // off.
  fake.configure("chunk_faults=2:reset,4:503,5:short,7:lost");
  auto s = store(4 * kGranule);
  round_trip(*s, "b.bin", 5 * 4 * kGranule + 12345, 2);
  const json stats = fake.stats();
  BOOST_TEST_MESSAGE("fake: " << stats.dump());
  BOOST_TEST(stats.at("sessions").get<int>() == 1, "one session, resumed, not restarted");
  BOOST_TEST(stats.at("status_queries").get<int>() >= 2, "the 503 and the cut answer were followed by status queries");
  BOOST_TEST(stats.at("rejected").empty(), "the fake refused: " << stats.at("rejected").dump());
}

BOOST_FIXTURE_TEST_CASE(a_lost_answer_to_the_last_chunk_is_found_by_the_status_query, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  fake.configure("chunk_faults=2:lost");
  auto s = store(kGranule);
  round_trip(*s, "c.bin", kGranule + 77, 3);
  const json stats = fake.stats();
  BOOST_TEST(stats.at("chunks").get<int>() == 2, "the last chunk was not sent again");
  BOOST_TEST(stats.at("status_queries").get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(the_fake_refuses_what_gcs_refuses) {
  // Without this, a lenient fake would prove nothing about Cairn's chunks.
  gcstest::FakeGcs fake({"--no-auth"});
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  cairn::http::Client client;
  cairn::http::Request start;
  start.method = "POST";
  start.url = fake.endpoint() + "/upload/storage/v1/b/bkt/o?uploadType=resumable&name=x";
  start.headers = {{"X-Upload-Content-Length", std::to_string(3 * kGranule)}};
  start.body = cairn::http::RequestBody::memory("");
  const std::string session = client.perform(start).header("Location");
  BOOST_REQUIRE(!session.empty());
  const auto put = [&](const std::string& range, std::string body) {
    cairn::http::Request request;
    request.method = "PUT";
    request.url = session;
    request.headers = {{"Content-Range", range}};
    request.body = cairn::http::RequestBody::memory(std::move(body));
    return client.perform(request);
  };
  // Not a multiple of 256 KiB, and not the last chunk.
  BOOST_TEST(put("bytes 0-99999/" + std::to_string(3 * kGranule), std::string(100000, 'x')).status == 400);
  // Past the offset the session expects (a gap).
  BOOST_TEST(put("bytes 262144-524287/" + std::to_string(3 * kGranule), std::string(kGranule, 'x')).status == 400);
  // A Content-Range that does not match the body.
  BOOST_TEST(put("bytes 0-262143/" + std::to_string(3 * kGranule), std::string(100, 'x')).status == 400);
  // A good chunk: 308 with the Range; a status query says the same.
  const auto first = put("bytes 0-262143/" + std::to_string(3 * kGranule), std::string(kGranule, 'x'));
  BOOST_TEST(first.status == 308);
  BOOST_TEST(first.header("Range") == "bytes=0-262143");
  const auto status = put("bytes */" + std::to_string(3 * kGranule), "");
  BOOST_TEST(status.status == 308);
  BOOST_TEST(status.header("Range") == "bytes=0-262143");
  // A replay of bytes it has is accepted, as GCS accepts it.
  const auto replay = put("bytes 0-262143/" + std::to_string(3 * kGranule), std::string(kGranule, 'x'));
  BOOST_TEST(replay.status == 308);
  BOOST_TEST(replay.header("Range") == "bytes=0-262143");
  BOOST_TEST(fake.stats().at("rejected").size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(a_session_that_keeps_failing_ends_in_a_transient_error, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  fake.configure("chunk_faults=1:503,2:503,3:503,4:503,5:503,6:503,7:503,8:503");
  auto s = store(kGranule);
  write_file(dir / "d.bin", gcstest::random_bytes(2 * kGranule, 4));
  const std::string text = cairn::test::error_text<cairn::TransientError>([&] { s->upload_object("d.bin", dir / "d.bin"); });
  BOOST_TEST(contains(text, "upload of 'gs://bkt/run/d.bin' failed"), text);
  BOOST_TEST(contains(text, "without progress at byte 0"), text);
  BOOST_TEST(text.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
