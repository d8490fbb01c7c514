// The oci store through the fault-injecting proxy (tests/support/fault_proxy.py)
// in front of the fake: with 30 % of requests failing (5xx, resets, stalls,
// truncated and cut-off bodies) every operation still succeeds and the bytes
// are identical, every retried request signed afresh; with every request
// failing, the error says what failed, after how many attempts, and shows no
// secret.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "cairn/errors.h"
#include "fault_proxy.h"
#include "oci_test_support.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::FaultProxy;
using cairn::test::OciFake;
using nlohmann::json;

namespace {

// The fault kinds OCI's service can give any request. Not request_timeout:
// that 400 is S3's (RequestTimeout), which OCI neither sends nor retries.
const std::vector<std::string> kOciFaults = {"internal_error", "service_unavailable", "slow_down", "reset_before",
                                             "stall", "reset_mid", "truncate_body"};

json quick(int attempts) {
  return {{"timeout", {2, 1}}, {"retry_strategy", {{"max_attempts", attempts}, {"total_elapsed_time_seconds", 120}}},
          {"part_size", 10 << 20}, {"parallel_process_count", 3}, {"min_part_size", 3 << 20}, {"num_parts", 4}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oci_faults)

BOOST_AUTO_TEST_CASE(operations_survive_30_percent_faults) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  FaultProxy proxy(fake.endpoint(), 0.3, kOciFaults, /*seed=*/7, /*stall_seconds=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  auto store = ocitest::store_on(fake, quick(12), proxy.endpoint());
  TempDir dir;
  const std::string small = ocitest::random_bytes(70'000, 31);
  const std::string large = ocitest::random_bytes((21 << 20) + 99, 32);
  write_file(dir / "small.bin", small);
  write_file(dir / "large.bin", large);
  for (int round = 0; round < 3; ++round) {
    const std::string prefix = "round-" + std::to_string(round) + "/";
    store.upload_object(prefix + "small.bin", dir / "small.bin");
    store.upload_object(prefix + "large.bin", dir / "large.bin");
    BOOST_TEST(store.get_object_size(prefix + "large.bin") == large.size());
    store.download_object(prefix + "small.bin", dir / (prefix + "small.out"));
    store.download_object(prefix + "large.bin", dir / (prefix + "large.out"));
    BOOST_TEST((read_file(dir / (prefix + "small.out")) == small));
    BOOST_TEST((read_file(dir / (prefix + "large.out")) == large));
    BOOST_TEST((fake.object(fake.bucket(), prefix + "large.bin") == large));
  }
  BOOST_TEST(store.list_objects().size() == 6u);
  const json stats = proxy.stats();
  BOOST_TEST_MESSAGE("fault proxy counters: " << stats.dump());
  BOOST_TEST(stats["faults_total"].get<int>() > 0);
  const json served = fake.stats();
  // Retried requests were signed afresh: the fake refused none.
  BOOST_TEST(served.at("rejected").empty(), served.dump());
  BOOST_TEST(served.at("uploads_in_progress") == 0, served.dump());
}

BOOST_AUTO_TEST_CASE(every_request_failing_ends_in_a_clear_transient_error) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  FaultProxy proxy(fake.endpoint(), 1.0, {"service_unavailable", "internal_error", "reset_before"}, /*seed=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  json config = quick(3);
  config["namespace"] = fake.namespace_name();
  auto store = ocitest::store_on(fake, config, proxy.endpoint());
  TempDir dir;
  write_file(dir / "large.bin", ocitest::random_bytes(11 << 20, 33));
  const auto text = cairn::test::error_text<cairn::TransientError>([&] { store.upload_object("ckpt/large.bin", dir / "large.bin"); });
  BOOST_TEST(contains(text, "upload of 'oci://" + fake.bucket() + "/ckpt/large.bin' using OCI parallelized (multipart) "
                            "uploading failed: upload (create multipart upload) of 'oci://" + fake.bucket() +
                            "/ckpt/large.bin' failed after 3 attempts"), text);
  BOOST_TEST(!contains(text, "signature="));
  BOOST_TEST(!contains(text, "Signature "));
  BOOST_TEST(proxy.stats()["faults_total"].get<int>() >= 3);
  const auto missing = cairn::test::error_text<cairn::TransientError>([&] { store.download_object("x.bin", dir / "x.out"); });
  BOOST_TEST(contains(missing, "download of 'oci://" + fake.bucket() + "/x.bin' failed after 3 attempts"), missing);
  BOOST_TEST(!std::filesystem::exists(dir / "x.out"));
  // Without a namespace configured, the namespace query is what fails, and says so.
  auto asking = ocitest::store_on(fake, quick(2), proxy.endpoint());
  const auto ns_text = cairn::test::error_text<cairn::TransientError>([&] { asking.list_objects(); });
  BOOST_TEST(contains(ns_text, "namespace query of 'oci://" + fake.bucket() + "/' failed after 2 attempts"), ns_text);
}

BOOST_AUTO_TEST_SUITE_END()
