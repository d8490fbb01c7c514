// Remote checkpointing to a real S3 server on loopback, through `cairn fit`,
// `cairn cp` and awscli: the end-to-end promises.
//   - save to s3://, resume from s3://.../latest-rank0.pt, bitwise identical to
//     an uninterrupted run; awscli reads what Cairn uploaded (scenarios 7.22, 7.24);
//   - with 30 % of requests faulted by the proxy, a run checkpointing every
//     batch completes and every checkpoint lands byte-identical;
//   - with 100 % faulted, the run fails with the final cause; when every
//     upload lands but its answer is lost, no latest pointer is published.
// Servers and proxy: tests/support/s3_peers.py, fault_proxy.py. Only moto:
// these tests prove Cairn's signatures are accepted, which s3rver (it checks
// no signature) cannot; where moto cannot run they skip (a failure under
// CAIRN_REQUIRE_PEERS=1), never fall back.
#define BOOST_TEST_MODULE cli_s3_tests
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <map>

#include "cli_runner.h"
#include "fault_proxy.h"
#include "s3_peer.h"
#include "store_end_to_end.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

// Object names under `prefix` on the real server (not through the proxy), via
// cairn ls. The prefix has no '/': moto rejects valid signatures of listings
// whose prefix contains one (tests/support/README.md).
std::vector<std::string> remote_names(const S3Peer& peer, const std::string& prefix, const fs::path& cwd) {
  return listed_names("s3://" + peer.bucket() + "/" + prefix, cwd, {{"S3_ENDPOINT_URL", peer.endpoint()}});
}

// awscli's copy of an object, downloaded from the real server.
std::string aws_get(const S3Peer& peer, const std::string& key, const fs::path& to) {
  return cairn::test::aws_get(peer.endpoint(), "s3://" + peer.bucket() + "/" + key, to);
}

// A RemoteUploaderDownloader for the bucket with quick retries, so fault runs
// finish in seconds; `attempts` bounds both the HTTP retries and the uploader's.
std::string uploader_flag(const S3Peer& peer, int attempts) {
  return cairn::test::uploader_flag("s3://" + peer.bucket(), attempts, quick_s3_client(attempts));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_end_to_end)

BOOST_AUTO_TEST_CASE(fit_saves_to_s3_and_resumes_from_the_remote_latest_pointer) {
  S3Peer peer("moto");
  CAIRN_REQUIRE_SIGNING_PEER(peer);
  ScopedEnv env;
  peer.export_env(env);
  TempDir dir;
  const std::string bucket = "s3://" + peer.bucket();

  const Result first = run_cairn(with(kSample, {"--run-name", "r", "--max-duration", "2ep", "--save-folder",
                                                bucket + "/part"}), dir.path());
  BOOST_REQUIRE_MESSAGE(first.status == 0, describe(first));
  const auto names = remote_names(peer, "part", dir.path());
  BOOST_TEST_MESSAGE("uploaded: " << names.size() << " objects");
  BOOST_REQUIRE(std::count(names.begin(), names.end(), "part/latest-rank0.pt.symlink") == 1);
  const std::string pointer = aws_get(peer, "part/latest-rank0.pt.symlink", dir.path() / "pointer");
  BOOST_TEST(std::count(names.begin(), names.end(), pointer) == 1, "the pointer names " << pointer);
  // awscli and cairn cp read the same bytes, and Python loads them.
  const std::string by_aws = aws_get(peer, pointer, dir.path() / "by_aws.pt");
  const Result cp = run_cairn({"cp", bucket + "/" + pointer, (dir.path() / "by_cairn.pt").string()}, dir.path());
  BOOST_REQUIRE_MESSAGE(cp.status == 0, describe(cp));
  BOOST_TEST((read_file(dir.path() / "by_cairn.pt") == by_aws));

  const Result resumed = run_cairn(with(kSample, {"--run-name", "r", "--max-duration", "3ep", "--load-path",
                                                  bucket + "/part/latest-rank0.pt", "--save-folder",
                                                  bucket + "/resumed"}), dir.path());
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, describe(resumed));
  const Result full = run_cairn(with(kSample, {"--run-name", "r", "--max-duration", "3ep", "--save-folder",
                                               bucket + "/full"}), dir.path());
  BOOST_REQUIRE_MESSAGE(full.status == 0, describe(full));
  const std::string resumed_last = aws_get(peer, "resumed/latest-rank0.pt.symlink", dir.path() / "p2");
  const std::string full_last = aws_get(peer, "full/latest-rank0.pt.symlink", dir.path() / "p3");
  aws_get(peer, resumed_last, dir.path() / "resumed.pt");
  aws_get(peer, full_last, dir.path() / "full.pt");
  BOOST_TEST(fs::path(resumed_last).filename() == fs::path(full_last).filename());
  BOOST_TEST(same_model_in_python(dir.path() / "resumed.pt", dir.path() / "full.pt"));
}

BOOST_AUTO_TEST_CASE(thirty_percent_faults_every_batch_checkpoint_lands_byte_identical) {
  S3Peer peer("moto");
  CAIRN_REQUIRE_SIGNING_PEER(peer);
  ScopedEnv env;
  peer.export_env(env);
  // Stalls are shortened to 4 s against a 2 s read timeout.
  FaultProxy proxy(peer.endpoint(), 0.3, s3_fault_kinds(), /*seed=*/11, /*stall_seconds=*/4);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  const Result run = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "6ba", "--save-interval",
                                              "1ba", "--save-folder", "ck", "--callback", uploader_flag(peer, 10)}),
                               dir.path(), {{"S3_ENDPOINT_URL", proxy.endpoint()}, {"TMPDIR", (dir.path() / "tmp").string()}});
  const auto stats = proxy.stats();
  BOOST_TEST_MESSAGE("proxy: " << stats.dump());
  BOOST_REQUIRE_MESSAGE(run.status == 0, describe(run));
  // The run went through the proxy and faults were injected: otherwise this
  // would prove nothing about surviving them.
  BOOST_TEST(stats.at("requests").get<int>() > 0, stats.dump());
  BOOST_TEST(stats.at("faults_total").get<int>() > 0, stats.dump());
  BOOST_TEST(stats.at("passed").get<int>() > 0, stats.dump());
  BOOST_TEST(!contains(run.err, peer.secret_key()));

  // The local checkpoints stay in ck/; the uploader sends each under the
  // save folder's path, as Composer's trainer names them (ck/<file>).
  const auto saved = local_checkpoints(dir.path() / "ck");
  BOOST_TEST(saved.size() == 6u);
  for (const auto& [name, local] : saved) {
    BOOST_TEST((aws_get(peer, "ck/" + name, dir.path() / ("got-" + name)) == read_file(local)), name);
  }
  // The pointer names the last checkpoint (batch 6), which landed.
  const std::string pointer = aws_get(peer, "ck/latest-rank0.pt.symlink", dir.path() / "pointer");
  BOOST_TEST(pointer.rfind("ck/ep", 0) == 0, pointer);
  BOOST_TEST(contains(pointer, "-ba6-rank0.pt"), pointer);
}

BOOST_AUTO_TEST_CASE(all_requests_faulted_fails_clearly) {
  S3Peer peer("moto");
  CAIRN_REQUIRE_SIGNING_PEER(peer);
  ScopedEnv env;
  peer.export_env(env);
  FaultProxy proxy(peer.endpoint(), 1.0, {"internal_error", "slow_down", "reset_before"}, /*seed=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  const Result run = run_cairn(with(kSample, {"--run-name", "down", "--max-duration", "2ba", "--save-interval",
                                              "1ba", "--save-folder", "s3://" + peer.bucket() + "/down",
                                              "--callback", uploader_flag(peer, 2)}),
                               dir.path(), {{"S3_ENDPOINT_URL", proxy.endpoint()}, {"TMPDIR", dir.path().string()}});
  BOOST_TEST(run.status != 0, describe(run));
  // The final error names the object and the cause after the configured attempts.
  BOOST_TEST(contains(run.err, "down/ep"), run.err);
  BOOST_TEST(contains(run.err, "attempts"), run.err);
  BOOST_TEST(!contains(run.err, peer.secret_key()));
  // Cairn tried (at least the 2 configured attempts), and every request was refused.
  const auto stats = proxy.stats();
  BOOST_TEST(stats.at("requests").get<int>() >= 2, stats.dump());
  BOOST_TEST(stats.at("faults_total").get<int>() == stats.at("requests").get<int>(), stats.dump());
}

// Every request reaches moto and is applied, but its answer is lost: the
// checkpoint lands while Cairn sees its upload fail. The pointer, which would
// land just as well, must not be published for it.
BOOST_AUTO_TEST_CASE(lost_answers_land_the_checkpoint_but_publish_no_pointer) {
  S3Peer peer("moto");
  CAIRN_REQUIRE_SIGNING_PEER(peer);
  ScopedEnv env;
  peer.export_env(env);
  FaultProxy proxy(peer.endpoint(), 1.0, {"lost_response"}, /*seed=*/5);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  // Overwrite on: no existence check, so the first request is the upload itself.
  const Result run = run_cairn(with(kSample, {"--run-name", "lost", "--max-duration", "1ba", "--save-interval",
                                              "1ba", "--save-overwrite", "--save-folder",
                                              "s3://" + peer.bucket() + "/lost", "--callback", uploader_flag(peer, 2)}),
                               dir.path(), {{"S3_ENDPOINT_URL", proxy.endpoint()}, {"TMPDIR", dir.path().string()}});
  BOOST_TEST(run.status != 0, describe(run));
  BOOST_TEST(contains(run.err, "lost/ep"), run.err);
  const auto stats = proxy.stats();
  BOOST_TEST(stats.at("forwarded").get<int>() > 0, stats.dump());
  const auto names = remote_names(peer, "lost", dir.path());
  BOOST_TEST(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.rfind("lost/ep", 0) == 0; }) >= 1,
             "the checkpoint did not land; objects: " << names.size());
  BOOST_TEST(std::count(names.begin(), names.end(), "lost/latest-rank0.pt.symlink") == 0, "a pointer was published");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
