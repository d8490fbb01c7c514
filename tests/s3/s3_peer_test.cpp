// The s3 store against real S3 servers on loopback (tests/support/s3_peers.py):
// moto_server, which verifies SigV4 (so these prove our signatures are
// accepted), and s3rver 3.7.1 for listing continuation and odd key names, plus
// awscli reading what Cairn wrote and the other way round.
#include <algorithm>
#include <atomic>
#include <filesystem>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "parallel_parts.h"
#include "s3_peer.h"
#include "s3_settings.h"
#include "s3_store.h"
#include "s3_test_support.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::S3Peer;
using nlohmann::json;

namespace {

// Transfers small enough to split test files into several parts and ranges.
json store_config(const S3Peer& peer, const std::string& secret_override = "") {
  return {{"bucket", peer.bucket()},
          {"endpoint_url", peer.endpoint()},
          {"region_name", peer.region()},
          {"aws_access_key_id", peer.access_key()},
          {"aws_secret_access_key", secret_override.empty() ? peer.secret_key() : secret_override},
          {"client_config", {{"retries", {{"total_max_attempts", 3}}}}},
          {"transfer_config", {{"multipart_threshold", 6 << 20}, {"multipart_chunksize", 5 << 20}, {"max_concurrency", 4}}}};
}

s3store::S3Store open_store(const S3Peer& peer, const std::string& secret_override = "") {
  return s3store::S3Store(s3store::resolve_s3_settings(cairn::Uri{}, store_config(peer, secret_override)));
}

// Upload, size, list, download (whole and in ranges), delete, not-found.
void exercise_store(s3store::S3Store& store, const std::string& name_prefix) {
  s3test::TempDir dir;
  const std::string small = s3test::random_bytes(1000, 11);
  const std::string large = s3test::random_bytes((23 << 20) + 12345, 12);  // 5 parts, the last one short
  s3test::write_file(dir / "small.bin", small);
  s3test::write_file(dir / "large.bin", large);

  store.upload_object(name_prefix + "small.bin", dir / "small.bin");
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  std::mutex progress_lock;
  store.upload_object(name_prefix + "large.bin", dir / "large.bin", [&](uint64_t done, uint64_t total) {
    std::lock_guard<std::mutex> guard(progress_lock);
    progress.emplace_back(done, total);
  });
  BOOST_TEST(progress.front().first == 0u);
  BOOST_TEST(progress.back().first == large.size());
  BOOST_TEST(std::is_sorted(progress.begin(), progress.end()));

  BOOST_TEST(store.get_object_size(name_prefix + "small.bin") == small.size());
  BOOST_TEST(store.get_object_size(name_prefix + "large.bin") == large.size());
  BOOST_TEST(store.list_objects(name_prefix) == (std::vector<std::string>{name_prefix + "large.bin", name_prefix + "small.bin"}),
             boost::test_tools::per_element());

  store.download_object(name_prefix + "small.bin", dir / "out/small.bin");
  BOOST_TEST((s3test::read_file(dir / "out/small.bin") == small));
  store.download_object(name_prefix + "large.bin", dir / "out/large.bin");  // concurrent ranged GETs
  BOOST_TEST((s3test::read_file(dir / "out/large.bin") == large));

  // An existing destination is refused without overwrite and left as it was.
  const auto exists = cairn::test::error_text<cairn::AlreadyExistsError>(
      [&] { store.download_object(name_prefix + "small.bin", dir / "out/large.bin"); });
  BOOST_TEST(contains(exists, "already exists; pass overwrite"), exists);
  BOOST_TEST((s3test::read_file(dir / "out/large.bin") == large));
  store.download_object(name_prefix + "small.bin", dir / "out/large.bin", /*overwrite=*/true);
  BOOST_TEST((s3test::read_file(dir / "out/large.bin") == small));

  const auto missing = cairn::test::error_text<cairn::NotFoundError>(
      [&] { store.download_object(name_prefix + "missing.bin", dir / "out/missing.bin"); });
  BOOST_TEST(contains(missing, "download of '" + store.get_uri(name_prefix + "missing.bin") + "'"), missing);
  BOOST_TEST(contains(missing, "HTTP 404"), missing);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "out")) {
    BOOST_TEST((entry.path().filename() == "small.bin" || entry.path().filename() == "large.bin"), entry.path());
  }

  store.delete_object(name_prefix + "small.bin");
  BOOST_CHECK_THROW(store.get_object_size(name_prefix + "small.bin"), cairn::NotFoundError);
  BOOST_CHECK_THROW(store.delete_object(name_prefix + "small.bin"), cairn::NotFoundError);
  BOOST_TEST(store.list_objects(name_prefix) == (std::vector<std::string>{name_prefix + "large.bin"}),
             boost::test_tools::per_element());
}

// awscli v2 with the peer's keys, quiet, no instance metadata look-ups.
s3test::CommandResult aws(const S3Peer& peer, const std::string& arguments) {
  return s3test::run_command("AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "
                             "/usr/bin/aws --endpoint-url " + peer.endpoint() + " " + arguments);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_peers)

BOOST_AUTO_TEST_CASE(moto_accepts_our_signatures) {
  S3Peer peer("moto", "cairn-moto");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  // Measured at start (a wrongly signed request was refused): without it,
  // "accepted" would prove nothing about our signatures.
  BOOST_REQUIRE(peer.verifies_signatures());
  auto store = open_store(peer);
  // moto recomputes signatures over a differently escaped URL, so a listing
  // prefix holding '/' fails there even for botocore (tests/support/README.md).
  exercise_store(store, "run 1-ckpt-");
}

BOOST_AUTO_TEST_CASE(moto_rejects_a_wrong_secret_without_showing_it) {
  S3Peer peer("moto", "cairn-moto");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  const std::string wrong = "Wr0ngSecretKeyThatMustNeverBeShown0123456";
  auto store = open_store(peer, wrong);
  s3test::TempDir dir;
  s3test::write_file(dir / "a.bin", "data");
  const auto text = cairn::test::error_text<cairn::AuthenticationError>([&] { store.upload_object("ckpt/a.bin", dir / "a.bin"); });
  BOOST_TEST(contains(text, "upload of 's3://cairn-moto/ckpt/a.bin' failed: HTTP 403 SignatureDoesNotMatch"), text);
  BOOST_TEST(contains(text, "key 'ckpt/a.bin' in bucket 'cairn-moto'"), text);
  BOOST_TEST(!contains(text, wrong));
  BOOST_TEST(!contains(text, peer.secret_key()));
  BOOST_TEST(!contains(text, "Signature="));
  BOOST_CHECK_THROW(store.list_objects(), cairn::AuthenticationError);
}

BOOST_AUTO_TEST_CASE(s3rver_operations_and_odd_names) {
  S3Peer peer("s3rver", "cairn-s3rver");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  auto store = open_store(peer);
  exercise_store(store, "run ü+~=/a b/");
  s3test::TempDir dir;
  s3test::write_file(dir / "x.bin", "x");
  // (s3rver normalises "a//b", "./" and "../" in paths, which S3 does not, so
  // those names are left to the signing tests.)
  for (const std::string name : {"odd/日本/語 & <xml>.pt", "odd/100%.bin", "odd/a+b=c,d;e@f$'!(*).bin"}) {
    store.upload_object(name, dir / "x.bin");
    BOOST_TEST(store.get_object_size(name) == 1u, name);
  }
  BOOST_TEST(store.list_objects("odd/") ==
                 (std::vector<std::string>{"odd/100%.bin", "odd/a+b=c,d;e@f$'!(*).bin", "odd/日本/語 & <xml>.pt"}),
             boost::test_tools::per_element());
  BOOST_TEST(store.list_objects("odd/日本/") == (std::vector<std::string>{"odd/日本/語 & <xml>.pt"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(s3rver_listing_follows_continuation_tokens) {
  S3Peer peer("s3rver", "cairn-list");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  json config = store_config(peer);
  config["prefix"] = "many";
  auto store = s3store::S3Store(s3store::resolve_s3_settings(cairn::Uri{}, config));
  s3test::TempDir dir;
  s3test::write_file(dir / "tiny", "t");
  constexpr uint64_t kCount = 1105;  // more than one 1000-key page
  std::vector<std::string> expected;
  for (uint64_t i = 0; i < kCount; ++i) expected.push_back("obj-" + std::to_string(i));
  s3store::PartPool(8).run(kCount, [&](uint64_t i) { store.upload_object(expected[i], dir / "tiny"); });
  std::sort(expected.begin(), expected.end());
  const auto listed = store.list_objects();
  BOOST_TEST(listed.size() == kCount);
  BOOST_TEST((listed == expected));
  BOOST_TEST(store.list_objects("obj-110").size() == 6u);  // obj-110, obj-1100 .. obj-1104
}

BOOST_AUTO_TEST_CASE(awscli_reads_what_cairn_wrote_and_the_other_way_round) {
  S3Peer peer("s3rver", "cairn-interop");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  if (!std::filesystem::exists("/usr/bin/aws")) CAIRN_SKIP_TEST("/usr/bin/aws (Debian awscli) is not installed");
  cairn::test::ScopedEnv env;
  peer.export_env(env);
  auto store = open_store(peer);
  s3test::TempDir dir;
  const std::string ours = s3test::random_bytes((21 << 20) + 7, 21);    // multipart from Cairn
  const std::string theirs = s3test::random_bytes((19 << 20) + 3, 22);  // multipart from awscli (8 MiB parts)
  s3test::write_file(dir / "ours.bin", ours);
  s3test::write_file(dir / "theirs.bin", theirs);

  store.upload_object("interop/cairn wrote.bin", dir / "ours.bin");
  auto result = aws(peer, "s3 cp --only-show-errors " + s3test::shell_quote("s3://cairn-interop/interop/cairn wrote.bin") + " " +
                              s3test::shell_quote(dir / "aws-read.bin"));
  BOOST_REQUIRE_MESSAGE(result.status == 0, "aws s3 cp failed: " << result.output);
  BOOST_TEST((s3test::read_file(dir / "aws-read.bin") == ours));

  result = aws(peer, "s3 cp --only-show-errors " + s3test::shell_quote(dir / "theirs.bin") + " s3://cairn-interop/interop/aws-wrote.bin");
  BOOST_REQUIRE_MESSAGE(result.status == 0, "aws s3 cp failed: " << result.output);
  BOOST_TEST(store.get_object_size("interop/aws-wrote.bin") == theirs.size());
  store.download_object("interop/aws-wrote.bin", dir / "cairn-read.bin");
  BOOST_TEST((s3test::read_file(dir / "cairn-read.bin") == theirs));
}

BOOST_AUTO_TEST_SUITE_END()
