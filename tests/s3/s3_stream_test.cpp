// Streamed uploads (S3Store::open_writer) against moto_server, which verifies
// SigV4 and keeps multipart uploads as S3 does, with awscli as the reader: the
// bytes arrive whole, a stream below multipart_threshold is one PUT (its ETag
// is the MD5 of the bytes, a multipart ETag ends in "-<parts>"), nothing is
// visible before commit, and an abandoned stream leaves no upload behind.
#include <filesystem>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "s3_peer.h"
#include "s3_settings.h"
#include "s3_store.h"
#include "s3_test_support.h"
#include "stream_pieces.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::S3Peer;
using cairn::test::write_in_pieces;
using nlohmann::json;

namespace {

json stream_config(const S3Peer& peer, const std::string& secret) {
  return {{"bucket", peer.bucket()},
          {"endpoint_url", peer.endpoint()},
          {"region_name", peer.region()},
          {"aws_access_key_id", peer.access_key()},
          {"aws_secret_access_key", secret},
          {"client_config", {{"retries", {{"total_max_attempts", 2}}}}},
          {"transfer_config", {{"multipart_threshold", 6 << 20}, {"multipart_chunksize", 5 << 20}, {"max_concurrency", 3}}}};
}

s3store::S3Store open_store(const S3Peer& peer, const std::string& secret = "") {
  return s3store::S3Store(s3store::resolve_s3_settings(cairn::Uri{}, stream_config(peer, secret.empty() ? peer.secret_key() : secret)));
}

s3test::CommandResult aws(const S3Peer& peer, const std::string& arguments) {
  return s3test::run_command("AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "
                             "/usr/bin/aws --endpoint-url " + peer.endpoint() + " " + arguments);
}

json aws_json(const S3Peer& peer, const std::string& arguments) {
  const auto result = aws(peer, arguments + " --output json");
  BOOST_REQUIRE_MESSAGE(result.status == 0, "aws " << arguments << " failed: " << result.output);
  return result.output.find_first_not_of(" \n") == std::string::npos ? json::object() : json::parse(result.output);
}

std::string etag_of(const S3Peer& peer, const std::string& key) {
  return aws_json(peer, "s3api head-object --bucket " + peer.bucket() + " --key " + s3test::shell_quote(key)).at("ETag");
}

size_t uploads_in_progress(const S3Peer& peer) {
  const json listing = aws_json(peer, "s3api list-multipart-uploads --bucket " + peer.bucket());
  return listing.contains("Uploads") ? listing.at("Uploads").size() : 0;
}

// Skips without the peers; points awscli at the server until the test ends.
#define REQUIRE_MOTO_AND_AWSCLI(peer)                                                                   \
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);                                                                    \
  if (!std::filesystem::exists("/usr/bin/aws")) CAIRN_SKIP_TEST("/usr/bin/aws (Debian awscli) is not installed"); \
  cairn::test::ScopedEnv aws_env;                                                                       \
  peer.export_env(aws_env)

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_streams)

BOOST_AUTO_TEST_CASE(a_streamed_multipart_upload_reaches_awscli_whole) {
  S3Peer peer("moto", "cairn-stream");
  REQUIRE_MOTO_AND_AWSCLI(peer);
  auto store = open_store(peer);
  const std::string data = s3test::random_bytes((23 << 20) + 4321, 31);  // 5 parts, the last one short
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  auto writer = store.open_writer("streams/model checkpoint.pt", data.size(),
                                  [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); });
  write_in_pieces(*writer, data);
  // Parts are in the store, but no object is visible before commit.
  BOOST_CHECK_THROW(store.get_object_size("streams/model checkpoint.pt"), cairn::NotFoundError);
  writer->commit();
  writer.reset();

  s3test::TempDir dir;
  const auto result = aws(peer, "s3 cp --only-show-errors " +
                                    s3test::shell_quote("s3://cairn-stream/streams/model checkpoint.pt") + " " +
                                    s3test::shell_quote(dir / "read.bin"));
  BOOST_REQUIRE_MESSAGE(result.status == 0, "aws s3 cp failed: " << result.output);
  BOOST_TEST((s3test::read_file(dir / "read.bin") == data));
  BOOST_TEST(contains(etag_of(peer, "streams/model checkpoint.pt"), "-5\""));
  BOOST_TEST(uploads_in_progress(peer) == 0u);
  BOOST_TEST(progress.front().first == 0u);
  BOOST_TEST(progress.back().first == data.size());
  BOOST_TEST(progress.back().second == data.size());
  BOOST_TEST(std::is_sorted(progress.begin(), progress.end()));
}

BOOST_AUTO_TEST_CASE(a_stream_below_multipart_threshold_is_one_put) {
  S3Peer peer("moto", "cairn-stream");
  REQUIRE_MOTO_AND_AWSCLI(peer);
  auto store = open_store(peer);
  const std::string data = s3test::random_bytes((5 << 20) + 99, 32);
  auto writer = store.open_writer("streams/small.pt");
  write_in_pieces(*writer, data);
  writer->commit();
  s3test::TempDir dir;
  s3test::write_file(dir / "small.pt", data);
  const auto md5 = s3test::run_command("md5sum " + s3test::shell_quote(dir / "small.pt"));
  BOOST_REQUIRE(md5.status == 0);
  BOOST_TEST(etag_of(peer, "streams/small.pt") == "\"" + md5.output.substr(0, 32) + "\"");
  BOOST_TEST(store.get_object_size("streams/small.pt") == data.size());

  // An empty stream makes an empty object.
  auto empty = store.open_writer("streams/empty");
  empty->commit();
  BOOST_TEST(store.get_object_size("streams/empty") == 0u);
}

BOOST_AUTO_TEST_CASE(an_abandoned_stream_leaves_the_old_object_and_no_upload) {
  S3Peer peer("moto", "cairn-stream");
  REQUIRE_MOTO_AND_AWSCLI(peer);
  auto store = open_store(peer);
  const std::string old_bytes = s3test::random_bytes(1000, 33);
  {
    auto writer = store.open_writer("streams/latest.pt");
    writer->write(old_bytes.data(), old_bytes.size());
    writer->commit();
  }
  {
    // A save that dies half-way (an exception unwinding through the writer).
    auto writer = store.open_writer("streams/latest.pt");
    write_in_pieces(*writer, s3test::random_bytes(17 << 20, 34));
    BOOST_TEST(uploads_in_progress(peer) == 1u);
  }
  BOOST_TEST(uploads_in_progress(peer) == 0u);
  BOOST_TEST(store.get_object_size("streams/latest.pt") == old_bytes.size());
}

BOOST_AUTO_TEST_CASE(a_refused_stream_names_the_object_and_not_the_secret) {
  S3Peer peer("moto", "cairn-stream");
  REQUIRE_MOTO_AND_AWSCLI(peer);
  if (!peer.verifies_signatures()) CAIRN_SKIP_TEST("this moto does not verify signatures");
  const std::string wrong_secret = "WRONGwrongWRONGwrongWRONGwrongWRONGwrong";
  auto store = open_store(peer, wrong_secret);
  auto writer = store.open_writer("streams/refused.pt");
  const std::string data = s3test::random_bytes(13 << 20, 35);
  const auto error = cairn::test::error_text<cairn::AuthenticationError>([&] {
    writer->write(data.data(), data.size());
    writer->commit();
  });
  BOOST_TEST(contains(error, "upload (create multipart upload) of '" + store.get_uri("streams/refused.pt") + "'"), error);
  BOOST_TEST(!contains(error, wrong_secret), "the secret was printed");
  BOOST_TEST(uploads_in_progress(peer) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
