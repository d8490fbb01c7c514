// The s3 store through the fault-injecting proxy (tests/support/fault_proxy.py)
// in front of moto_server: with 30 % of requests failing (5xx, SlowDown,
// RequestTimeout, resets, stalls, truncated bodies) every operation still
// succeeds and the bytes are identical; with every request failing, the error
// says what failed, after how many attempts, and shows no secret.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "fault_proxy.h"
#include "s3_peer.h"
#include "s3_settings.h"
#include "s3_store.h"
#include "s3_test_support.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::FaultProxy;
using cairn::test::S3Peer;
using nlohmann::json;

namespace {

// A store that reaches `peer` through `proxy`, with a short stall timeout so
// the proxy's stalls cost seconds, not minutes.
s3store::S3Store store_through(const S3Peer& peer, const FaultProxy& proxy, int attempts) {
  const json config = {{"bucket", peer.bucket()},
                       {"endpoint_url", proxy.endpoint()},
                       {"region_name", peer.region()},
                       {"aws_access_key_id", peer.access_key()},
                       {"aws_secret_access_key", peer.secret_key()},
                       {"client_config", {{"read_timeout", 1}, {"retries", {{"total_max_attempts", attempts}}}}},
                       {"transfer_config", {{"multipart_threshold", 6 << 20}, {"multipart_chunksize", 5 << 20}, {"max_concurrency", 4}}}};
  auto settings = s3store::resolve_s3_settings(cairn::Uri{}, config);
  settings.retry.initial_backoff = std::chrono::milliseconds(20);
  settings.retry.max_backoff = std::chrono::milliseconds(500);
  return s3store::S3Store(settings);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_faults)

BOOST_AUTO_TEST_CASE(operations_survive_30_percent_faults) {
  S3Peer peer("moto", "cairn-faults");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  BOOST_REQUIRE(peer.verifies_signatures());  // retried requests must still be signed right
  FaultProxy proxy(peer.endpoint(), 0.3, {}, /*seed=*/7, /*stall_seconds=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  auto store = store_through(peer, proxy, 12);
  s3test::TempDir dir;
  const std::string small = s3test::random_bytes(70'000, 31);
  const std::string large = s3test::random_bytes((17 << 20) + 99, 32);
  s3test::write_file(dir / "small.bin", small);
  s3test::write_file(dir / "large.bin", large);
  for (int round = 0; round < 3; ++round) {
    const std::string prefix = "round-" + std::to_string(round) + "-";
    store.upload_object(prefix + "small.bin", dir / "small.bin");
    store.upload_object(prefix + "large.bin", dir / "large.bin");
    BOOST_TEST(store.get_object_size(prefix + "large.bin") == large.size());
    store.download_object(prefix + "small.bin", dir / (prefix + "small.out"));
    store.download_object(prefix + "large.bin", dir / (prefix + "large.out"));
    BOOST_TEST((s3test::read_file(dir / (prefix + "small.out")) == small));
    BOOST_TEST((s3test::read_file(dir / (prefix + "large.out")) == large));
  }
  BOOST_TEST(store.list_objects().size() == 6u);
  const json stats = proxy.stats();
  BOOST_TEST_MESSAGE("fault proxy counters: " << stats.dump());
  BOOST_TEST(stats["faults_total"].get<int>() > 0);
}

BOOST_AUTO_TEST_CASE(every_request_failing_ends_in_a_clear_transient_error) {
  S3Peer peer("moto", "cairn-faults");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  FaultProxy proxy(peer.endpoint(), 1.0, {"slow_down", "internal_error", "reset_before"}, /*seed=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  auto store = store_through(peer, proxy, 3);
  s3test::TempDir dir;
  s3test::write_file(dir / "large.bin", s3test::random_bytes(7 << 20, 33));
  const auto text = cairn::test::error_text<cairn::TransientError>([&] { store.upload_object("ckpt/large.bin", dir / "large.bin"); });
  BOOST_TEST(contains(text, "upload (create multipart upload) of 's3://cairn-faults/ckpt/large.bin' failed after 3 attempts"), text);
  BOOST_TEST(!contains(text, peer.secret_key()));
  BOOST_TEST(!contains(text, "Signature="));
  // At least one per attempt (libcurl may resend once on a reused connection that was reset).
  BOOST_TEST(proxy.stats()["faults_total"].get<int>() >= 3);
  const auto missing = cairn::test::error_text<cairn::TransientError>([&] { store.download_object("x.bin", dir / "x.out"); });
  BOOST_TEST(contains(missing, "download of 's3://cairn-faults/x.bin' failed after 3 attempts"), missing);
  BOOST_TEST(!std::filesystem::exists(dir / "x.out"));
}

BOOST_AUTO_TEST_SUITE_END()
