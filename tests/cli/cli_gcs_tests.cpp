// Remote checkpointing to gs:// through `cairn fit`, `cairn cp` and `cairn ls`,
// against firebase-tools' Storage emulator (STORAGE_EMULATOR_HOST) behind the
// fault-injecting proxy, with Google's Node client (@google-cloud/storage)
// reading what Cairn uploaded:
//   - every batch saved with 30 % of requests faulted, then a resume from the
//     store's latest pointer (faulted too) ends with weights bitwise equal to
//     an uninterrupted run's;
//   - with every request faulted, the run fails naming the object and the
//     attempts, and no pointer is published;
//   - cp and ls on gs:// URIs.
// Peers: tests/support/gcs_peers.py, fault_proxy.py; where the emulator
// cannot run these tests skip (a failure under CAIRN_REQUIRE_PEERS=1).
#define BOOST_TEST_MODULE cli_gcs_tests
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include "cli_runner.h"
#include "fault_proxy.h"
#include "gcs_peer.h"
#include "store_end_to_end.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

const char* const kBucket = "cairn-e2e";

// The environment of a cairn run that reaches `endpoint` as the emulator,
// with no other Google credentials around.
std::map<std::string, std::string> emulator_env(const std::string& endpoint, const fs::path& tmp) {
  return {{"STORAGE_EMULATOR_HOST", endpoint}, {"GCS_KEY", ""}, {"GCS_SECRET", ""},
          {"GOOGLE_APPLICATION_CREDENTIALS", ""}, {"TMPDIR", tmp.string()}};
}

// A RemoteUploaderDownloader for the bucket with quick retries, so fault runs
// finish in seconds; `attempts` bounds both the HTTP retries and the uploader's.
// Its 2 s timeout is below the proxy's 4 s stalls.
std::string uploader_flag(int attempts) {
  return cairn::test::uploader_flag(
      std::string("gs://") + kBucket, attempts,
      {{"timeout", 2}, {"retry", {{"initial", 0.05}, {"maximum", 0.5}, {"deadline", 60}, {"max_attempts", attempts}}}});
}

// Google's client's copy of an object.
std::string node_get(const GcsEmulator& emulator, const std::string& key, const fs::path& to) {
  const auto run = emulator.node_client({"download", kBucket, key, to.string()});
  BOOST_REQUIRE_MESSAGE(run.status == 0, "@google-cloud/storage could not read gs://" << kBucket << "/" << key
                                                                                       << ": " << run.output);
  return read_file(to);
}

// Every kind of fault the proxy gives any request, stalls shortened to 4 s.
// Not request_timeout: that is S3's 400 RequestTimeout, which GCS never sends
// (it answers 408), and a 400 is rightly not retried.
const std::vector<std::string> kFaults = {"internal_error", "service_unavailable", "slow_down", "reset_before",
                                          "stall", "reset_mid", "truncate_body"};

}  // namespace

BOOST_AUTO_TEST_SUITE(gcs_end_to_end)

BOOST_AUTO_TEST_CASE(every_batch_saved_through_faults_then_resumed_bitwise_equal) {
  GcsEmulator emulator(kBucket);
  CAIRN_SKIP_UNLESS_AVAILABLE(emulator);
  FaultProxy proxy(emulator.endpoint(), 0.3, kFaults, /*seed=*/11, /*stall_seconds=*/4);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  const auto faulted = emulator_env(proxy.endpoint(), dir.path() / "tmp");
  const auto direct = emulator_env(emulator.endpoint(), dir.path() / "tmp");
  const std::string bucket = std::string("gs://") + kBucket;

  const Result first = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "6ba", "--save-interval", "1ba",
                                                "--save-folder", bucket + "/flaky", "--callback", uploader_flag(10)}),
                                 dir.path(), faulted);
  const auto stats = proxy.stats();
  BOOST_TEST_MESSAGE("proxy after the first run: " << stats.dump());
  BOOST_REQUIRE_MESSAGE(first.status == 0, describe(first));
  // The run went through the proxy and faults were injected: otherwise this
  // would prove nothing about surviving them.
  BOOST_TEST(stats.at("faults_total").get<int>() > 0, stats.dump());
  BOOST_TEST(stats.at("passed").get<int>() > 0, stats.dump());

  // Six checkpoints and the pointer landed; the pointer names the last.
  const auto names = listed_names(bucket + "/flaky/", dir.path(), direct);
  BOOST_TEST(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.rfind("flaky/ep", 0) == 0; }) == 6,
             names.size() << " objects");
  const std::string pointer = node_get(emulator, "flaky/latest-rank0.pt.symlink", dir.path() / "pointer");
  BOOST_TEST(contains(pointer, "-ba6-rank0.pt"), pointer);
  // Google's client and cairn cp read the same bytes.
  const std::string by_node = node_get(emulator, pointer, dir.path() / "by_node.pt");
  const Result cp = run_cairn({"cp", bucket + "/" + pointer, (dir.path() / "by_cairn.pt").string()}, dir.path(), direct);
  BOOST_REQUIRE_MESSAGE(cp.status == 0, describe(cp));
  BOOST_TEST((read_file(dir.path() / "by_cairn.pt") == by_node));

  // Resume from the store's latest pointer, through the faults again.
  const Result resumed = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "9ba", "--save-interval",
                                                  "1ba", "--load-path", bucket + "/flaky/latest-rank0.pt",
                                                  "--save-folder", bucket + "/resumed", "--callback", uploader_flag(10)}),
                                   dir.path(), faulted);
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, describe(resumed));
  const Result full = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "9ba", "--save-interval", "1ba",
                                               "--save-folder", bucket + "/full"}),
                                dir.path(), direct);
  BOOST_REQUIRE_MESSAGE(full.status == 0, describe(full));
  const std::string resumed_last = node_get(emulator, "resumed/latest-rank0.pt.symlink", dir.path() / "p2");
  const std::string full_last = node_get(emulator, "full/latest-rank0.pt.symlink", dir.path() / "p3");
  BOOST_TEST(fs::path(resumed_last).filename() == fs::path(full_last).filename());
  node_get(emulator, resumed_last, dir.path() / "resumed.pt");
  node_get(emulator, full_last, dir.path() / "full.pt");
  BOOST_TEST(same_model_in_python(dir.path() / "resumed.pt", dir.path() / "full.pt"));
  BOOST_TEST_MESSAGE("proxy at the end: " << proxy.stats().dump());
}

BOOST_AUTO_TEST_CASE(all_requests_faulted_fails_clearly_and_publishes_no_pointer) {
  GcsEmulator emulator(kBucket);
  CAIRN_SKIP_UNLESS_AVAILABLE(emulator);
  FaultProxy proxy(emulator.endpoint(), 1.0, {"internal_error", "service_unavailable", "reset_before"}, /*seed=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  const Result run = run_cairn(with(kSample, {"--run-name", "down", "--max-duration", "2ba", "--save-interval", "1ba",
                                              "--save-folder", std::string("gs://") + kBucket + "/down", "--callback",
                                              uploader_flag(2)}),
                               dir.path(), emulator_env(proxy.endpoint(), dir.path()));
  BOOST_TEST(run.status != 0, describe(run));
  // The final error names the object and the cause after the configured attempts.
  BOOST_TEST(contains(run.err, "gs://cairn-e2e/down/ep"), run.err);
  BOOST_TEST(contains(run.err, "attempts"), run.err);
  const auto stats = proxy.stats();
  BOOST_TEST(stats.at("requests").get<int>() >= 2, stats.dump());
  BOOST_TEST(stats.at("faults_total").get<int>() == stats.at("requests").get<int>(), stats.dump());
  // Nothing reached the store, the pointer least of all.
  const auto names = listed_names(std::string("gs://") + kBucket + "/down", dir.path(),
                                  emulator_env(emulator.endpoint(), dir.path()));
  BOOST_TEST(std::count(names.begin(), names.end(), "down/latest-rank0.pt.symlink") == 0, "a pointer was published");
}

BOOST_AUTO_TEST_CASE(cp_and_ls_on_gs_uris) {
  GcsEmulator emulator(kBucket);
  CAIRN_SKIP_UNLESS_AVAILABLE(emulator);
  TempDir dir;
  const auto env = emulator_env(emulator.endpoint(), dir.path());
  write_file(dir / "src.bin", std::string(300'000, 'c') + "end");
  const std::string object = std::string("gs://") + kBucket + "/cp/a b+c.bin";
  const Result up = run_cairn({"cp", dir / "src.bin", object}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(up.status == 0, describe(up));
  const Result ls = run_cairn({"ls", std::string("gs://") + kBucket + "/cp/"}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(ls.status == 0, describe(ls));
  BOOST_TEST(contains(ls.out, "300003"), ls.out);
  BOOST_TEST(contains(ls.out, "cp/a"), ls.out);
  BOOST_TEST((node_get(emulator, "cp/a b+c.bin", dir.path() / "node.bin") == read_file(dir / "src.bin")));
  const Result down = run_cairn({"cp", object, dir / "back.bin"}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(down.status == 0, describe(down));
  BOOST_TEST((read_file(dir / "back.bin") == read_file(dir / "src.bin")));
  // An existing destination needs --overwrite; a missing source is status 1.
  BOOST_TEST(run_cairn({"cp", object, dir / "back.bin"}, dir.path(), env).status == 1);
  BOOST_TEST(run_cairn({"cp", object, dir / "back.bin", "--overwrite"}, dir.path(), env).status == 0);
  const Result missing = run_cairn({"cp", std::string("gs://") + kBucket + "/cp/none.bin", dir / "n.bin"}, dir.path(), env);
  BOOST_TEST(missing.status == 1, describe(missing));
  BOOST_TEST(contains(missing.err, "gs://cairn-e2e/cp/none.bin"), missing.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
