// Streamed uploads (GcsStore::open_writer) against the loopback fake, which
// enforces GCS's resumable protocol (resumable_sessions.py): one session,
// chunks in order in multiples of 256 KiB with "bytes A-B/*" until the last
// names the size; nothing visible before commit; Google's Node client reads
// the object whole; chunks dropped, refused or kept in part are resumed from
// what the session has; a stream below resumable_threshold is one media
// upload; a stream dropped uncommitted cancels its session (DELETE) and
// leaves the old object; a failing stream names the object and no token.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "gcs_test_support.h"
#include "stream_pieces.h"
#include "test_skip.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::write_in_pieces;
using nlohmann::json;

namespace {

using gcstest::kGranule;

// A store with the service account's key on the authorizing fake.
struct Fixture : gcstest::AuthorizedFake {

  std::unique_ptr<cairn::ObjectStore> store(uint64_t chunk, uint64_t threshold) {
    return gcstest::store_on_fake(fake, dir, {{"chunk_size", chunk}, {"resumable_threshold", threshold}});
  }
  int count(const std::string& counter) const { return fake.stats().at(counter).get<int>(); }
  std::string read_back(cairn::ObjectStore& s, const std::string& name) {
    s.download_object(name, dir / "back", /*overwrite=*/true);
    return gcstest::read_file(dir / "back");
  }
};

// Google's Node client (@google-cloud/storage): tests/support/gcs_peers.py
// installs it, and prints its node_modules folder (status 77: it cannot here).
s3test::CommandResult install_node_client() {
  auto installed = s3test::run_command("/usr/bin/python3 " + gcstest::source_dir() + "/tests/support/gcs_peers.py install client");
  installed.output.erase(installed.output.find_last_not_of("\n") + 1);
  return installed;
}

// The Node client downloading bkt/`key` from the fake into `to`.
std::string node_download(const std::string& node_path, const std::string& endpoint, const std::string& key,
                          const std::string& to) {
  // The fake serves the JSON API under /storage/v1, which the client appends
  // only for Google's own endpoint.
  const auto run = s3test::run_command("NODE_PATH=" + s3test::shell_quote(node_path) +
                                       " STORAGE_EMULATOR_HOST=" + s3test::shell_quote(endpoint + "/storage/v1") + " node " +
                                       s3test::shell_quote(gcstest::source_dir() + "/tests/support/gcs_node_client.js") +
                                       " download bkt " + s3test::shell_quote(key) + " " + s3test::shell_quote(to));
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
  return gcstest::read_file(to);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resumable_streams)

BOOST_AUTO_TEST_CASE(a_stream_goes_in_ordered_chunks_and_google_reads_it_whole) {
  // Without authorization, as an emulator, so that Google's client may read.
  gcstest::FakeGcs fake({"--no-auth"});
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  gcstest::CleanEnvironment env;
  env.env().set("STORAGE_EMULATOR_HOST", fake.endpoint());
  auto store = gcstest::open_store("gs://bkt", {{"prefix", "run"}, {"chunk_size", kGranule}, {"resumable_threshold", 2 * kGranule}});
  // A first chunk of 512 KiB (what might have gone up whole), three of
  // 256 KiB, and a short last one.
  const std::string data = gcstest::random_bytes(5 * kGranule + 1000, 71);
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  auto writer = store->open_writer("ck/ep 1+é.pt", 0, [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); });
  write_in_pieces(*writer, data);
  // Chunks are in the session; no object is visible yet.
  BOOST_TEST(fake.stats().at("chunks").get<int>() >= 3);
  BOOST_CHECK_THROW(store->get_object_size("ck/ep 1+é.pt"), cairn::NotFoundError);
  writer->commit();
  writer.reset();

  const json stats = fake.stats();
  BOOST_TEST(stats.at("sessions").get<int>() == 1);
  BOOST_TEST(stats.at("chunks").get<int>() == 5);
  BOOST_TEST(stats.at("status_queries").get<int>() == 0);
  BOOST_TEST(stats.at("rejected").empty(), stats.at("rejected").dump());
  BOOST_TEST(progress.front().first == 0u);
  BOOST_TEST((progress.back() == std::make_pair(uint64_t{data.size()}, uint64_t{data.size()})));
  BOOST_TEST(std::is_sorted(progress.begin(), progress.end()));
  const auto node = install_node_client();
  if (node.status == 77) CAIRN_SKIP_TEST("Google's Node client: " + node.output);
  BOOST_REQUIRE_MESSAGE(node.status == 0, node.output);
  gcstest::TempDir dir;
  BOOST_TEST((node_download(node.output, fake.endpoint(), "run/ck/ep 1+é.pt", dir / "node.bin") == data));
}

BOOST_FIXTURE_TEST_CASE(a_stream_resumes_after_dropped_refused_and_partial_chunks, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  // Chunk requests 2: reset midway; 3: 503; 4: the server keeps only part of
  // it; 6: applied, but its answer is cut off. The rest of a part the server
  // did not keep is sent from the part still in memory.
  fake.configure("chunk_faults=2:reset,3:503,4:short,6:lost");
  auto s = store(4 * kGranule, 1);
  const std::string data = gcstest::random_bytes(4 * 4 * kGranule + 12345, 72);
  auto writer = s->open_writer("b.bin", data.size());
  write_in_pieces(*writer, data);
  writer->commit();
  const json stats = fake.stats();
  BOOST_TEST_MESSAGE("fake: " << stats.dump());
  BOOST_TEST(stats.at("sessions").get<int>() == 1, "one session, resumed, not restarted");
  BOOST_TEST(stats.at("status_queries").get<int>() >= 2);
  BOOST_TEST(stats.at("rejected").empty(), "the fake refused: " << stats.at("rejected").dump());
  BOOST_TEST((read_back(*s, "b.bin") == data));
}

BOOST_FIXTURE_TEST_CASE(a_stream_below_resumable_threshold_is_one_media_upload, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto s = store(kGranule, 4 * kGranule);
  const std::string data = gcstest::random_bytes(4 * kGranule - 1, 73);
  auto writer = s->open_writer("small.bin");
  write_in_pieces(*writer, data);
  BOOST_TEST(count("storage_requests") == 0);  // held in memory until commit
  writer->commit();
  BOOST_TEST(count("storage_requests") == 1);
  auto empty = s->open_writer("empty.bin");
  empty->commit();
  BOOST_TEST(count("storage_requests") == 2);
  BOOST_TEST(count("sessions") == 0);
  BOOST_TEST((read_back(*s, "small.bin") == data));
  BOOST_TEST(s->get_object_size("empty.bin") == 0u);
}

BOOST_FIXTURE_TEST_CASE(an_abandoned_stream_cancels_its_session_and_leaves_the_old_object, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto s = store(kGranule, kGranule);
  const std::string old_bytes = gcstest::random_bytes(1000, 74);
  {
    auto writer = s->open_writer("latest.pt");
    writer->write(old_bytes.data(), old_bytes.size());
    writer->commit();
  }
  {
    // A save that dies half-way: an exception unwinds through the writer.
    auto writer = s->open_writer("latest.pt");
    write_in_pieces(*writer, gcstest::random_bytes(3 * kGranule + 5, 75));
    BOOST_TEST(count("chunks") >= 2);  // the third may still be on its way
  }
  BOOST_TEST(count("sessions") == 1);
  BOOST_TEST(count("cancelled") == 1);
  BOOST_TEST((read_back(*s, "latest.pt") == old_bytes));
}

BOOST_FIXTURE_TEST_CASE(a_failing_stream_names_the_object_and_no_token, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  fake.configure("chunk_faults=2:503,3:503,4:503,5:503,6:503,7:503,8:503,9:503");
  auto s = store(kGranule, 1);
  auto writer = s->open_writer("ck/d.bin");
  const std::string text = cairn::test::error_text<cairn::TransientError>([&] {
    write_in_pieces(*writer, gcstest::random_bytes(3 * kGranule, 76));
    writer->commit();
  });
  BOOST_TEST(contains(text, "upload of 'gs://bkt/run/ck/d.bin' failed"), text);
  BOOST_TEST(contains(text, "without progress at byte 262144"), text);
  BOOST_TEST(!contains(text, "ya29"), text);
  BOOST_TEST(!contains(text, "Bearer"), text);
  BOOST_TEST(text.find('\n') == std::string::npos, text);
  BOOST_CHECK_THROW(writer->commit(), cairn::StoreError);  // spent
  writer.reset();
  BOOST_TEST(count("cancelled") == 1);
  BOOST_CHECK_THROW(s->get_object_size("ck/d.bin"), cairn::NotFoundError);
}

BOOST_AUTO_TEST_SUITE_END()
