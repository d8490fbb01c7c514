// Streamed uploads (OciStore::open_writer) against the loopback fake of
// Object Storage, which verifies every signature and keeps multipart uploads
// as OCI does (parts of 10 MiB but the last, ETags checked at commit): the
// bytes arrive whole, as the fake's own reader (not Cairn) returns them;
// nothing is visible before commit; a stream below part_size is one
// PutObject; a stream dropped uncommitted is aborted and leaves the old
// object; a refused part names the object and no secret.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "cairn/errors.h"
#include "oci_test_support.h"
#include "stream_pieces.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;
using cairn::test::OciFake;
using cairn::test::write_in_pieces;
using nlohmann::json;

namespace {

int operations(const json& stats, const std::string& name) {
  const json& counts = stats.at("requests_by_operation");
  return counts.contains(name) ? counts.at(name).get<int>() : 0;
}

bool stored(const OciFake& fake, const std::string& name) {
  return fake.stats().at("objects").at(fake.bucket()).contains(name);
}

// The smallest parts OCI takes, three of them in flight.
json stream_config() { return {{"prefix", "runs/"}, {"part_size", 10 << 20}, {"parallel_process_count", 3}}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(oci_streams)

BOOST_AUTO_TEST_CASE(a_streamed_multipart_upload_arrives_whole) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake, stream_config());
  const std::string data = ocitest::random_bytes((32 << 20) + 4321, 41);  // 4 parts, the last one short
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  auto writer = store.open_writer("ck/ep 1+é.pt", 0, [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); });
  write_in_pieces(*writer, data);
  BOOST_TEST(writer->bytes_written() == data.size());
  // Three parts are in the fake, in an upload; no object is visible yet.
  BOOST_TEST(fake.stats().at("uploads_in_progress") == 1);
  BOOST_CHECK_THROW(store.get_object_size("ck/ep 1+é.pt"), cairn::NotFoundError);
  BOOST_TEST(!stored(fake, "runs/ck/ep 1+é.pt"));
  writer->commit();
  writer.reset();

  BOOST_TEST((fake.object(fake.bucket(), "runs/ck/ep 1+é.pt") == data));
  const json stats = fake.stats();
  BOOST_TEST(operations(stats, "CreateMultipartUpload") == 1, stats.dump());
  BOOST_TEST(operations(stats, "UploadPart") == 4, stats.dump());
  BOOST_TEST(operations(stats, "CommitMultipartUpload") == 1, stats.dump());
  BOOST_TEST(operations(stats, "AbortMultipartUpload") == 0, stats.dump());
  BOOST_TEST(stats.at("uploads_in_progress") == 0);
  BOOST_TEST(stats.at("rejected").empty(), stats.dump());
  BOOST_TEST(progress.front().first == 0u);
  BOOST_TEST((progress.back() == std::make_pair(uint64_t{data.size()}, uint64_t{data.size()})));
  BOOST_TEST(std::is_sorted(progress.begin(), progress.end()));
}

BOOST_AUTO_TEST_CASE(a_stream_below_part_size_is_one_put_object) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake, stream_config());
  const std::string data = ocitest::random_bytes((10 << 20) - 1, 42);
  auto writer = store.open_writer("small.pt", data.size());
  write_in_pieces(*writer, data);
  writer->commit();
  auto empty = store.open_writer("empty.pt");
  empty->commit();

  BOOST_TEST((fake.object(fake.bucket(), "runs/small.pt") == data));
  BOOST_TEST(fake.object(fake.bucket(), "runs/empty.pt").empty());
  const json stats = fake.stats();
  BOOST_TEST(operations(stats, "PutObject") == 2, stats.dump());
  BOOST_TEST(operations(stats, "CreateMultipartUpload") == 0, stats.dump());
  BOOST_TEST(operations(stats, "UploadPart") == 0, stats.dump());
}

BOOST_AUTO_TEST_CASE(an_abandoned_stream_is_aborted_and_leaves_the_old_object) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake, stream_config());
  const std::string old_bytes = ocitest::random_bytes(1000, 43);
  {
    auto writer = store.open_writer("latest.pt");
    writer->write(old_bytes.data(), old_bytes.size());
    writer->commit();
  }
  {
    // A save that dies half-way: an exception unwinds through the writer.
    auto writer = store.open_writer("latest.pt");
    write_in_pieces(*writer, ocitest::random_bytes(25 << 20, 44));
    BOOST_TEST(fake.stats().at("uploads_in_progress") == 1);
  }
  const json stats = fake.stats();
  BOOST_TEST(operations(stats, "AbortMultipartUpload") == 1, stats.dump());
  BOOST_TEST(stats.at("uploads_in_progress") == 0, stats.dump());
  BOOST_TEST((fake.object(fake.bucket(), "runs/latest.pt") == old_bytes));
}

BOOST_AUTO_TEST_CASE(a_refused_part_fails_the_stream_naming_the_object) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake, stream_config());
  fake.fail_next("UploadPart", 1, 400, "InvalidParameter");
  auto writer = store.open_writer("ck/bad.pt");
  const std::string text = error_text<cairn::StoreError>([&] {
    write_in_pieces(*writer, ocitest::random_bytes(45 << 20, 45));
    writer->commit();
  });
  BOOST_TEST(contains(text, "of 'oci://" + fake.bucket() + "/runs/ck/bad.pt' failed: HTTP 400 InvalidParameter"), text);
  BOOST_TEST(ocitest::one_line(text), text);
  // The failed stream is spent; dropping it aborts the upload.
  BOOST_CHECK_THROW(writer->commit(), cairn::StoreError);
  writer.reset();
  const json stats = fake.stats();
  BOOST_TEST(operations(stats, "AbortMultipartUpload") == 1, stats.dump());
  BOOST_TEST(operations(stats, "CommitMultipartUpload") == 0, stats.dump());
  BOOST_TEST(stats.at("uploads_in_progress") == 0, stats.dump());
  BOOST_TEST(!stored(fake, "runs/ck/bad.pt"));
}

BOOST_AUTO_TEST_CASE(a_wrong_key_is_refused_without_secrets) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  TempDir dir;
  json settings = stream_config();
  settings.update({{"config_file", ocitest::config_with_another_key(fake, dir)}, {"namespace", fake.namespace_name()}});
  auto store = ocitest::store_on(fake, settings);
  for (const uint64_t size : {uint64_t{1000}, uint64_t{21} << 20}) {  // one PutObject; a multipart upload
    auto writer = store.open_writer("ck/ep1.pt");
    const std::string text = error_text<cairn::AuthenticationError>([&] {
      write_in_pieces(*writer, ocitest::random_bytes(size, 46));
      writer->commit();
    });
    BOOST_TEST(contains(text, "of 'oci://" + fake.bucket() + "/runs/ck/ep1.pt' failed: HTTP 401 NotAuthenticated"), text);
    BOOST_TEST(!contains(text, "signature="), text);
    BOOST_TEST(!contains(text, "BEGIN"), text);
    BOOST_TEST(ocitest::one_line(text), text);
  }
}

BOOST_AUTO_TEST_SUITE_END()
