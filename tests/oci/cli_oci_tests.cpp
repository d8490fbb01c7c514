// Remote checkpointing to OCI Object Storage through `cairn fit`, `cairn cp`
// and `cairn ls`, against the loopback fake (it verifies every signature;
// no OCI server runs offline) behind the fault-injecting proxy:
//   - a run saving every batch with 30 % of requests faulted lands every
//     checkpoint byte-identical; resumed from the store's latest pointer (also
//     through 30 % faults), it ends with weights bitwise equal to an
//     uninterrupted run's;
//   - with every request faulted the run fails with the final cause and no
//     pointer is published; when every upload lands but its answer is lost,
//     the checkpoint is there and still no pointer;
//   - cairn cp and cairn ls with oci:// URIs.
#define BOOST_TEST_MODULE cli_oci_tests
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>

#include "cli_runner.h"
#include "fault_proxy.h"
#include "oci_fake.h"
#include "store_end_to_end.h"
#include "test_process.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

// What OCI's service can fail any request with (not S3's 400 RequestTimeout,
// which OCI neither sends nor retries); stalls cost 4 s against a 2 s timeout.
const std::vector<std::string> kOciFaults = {"internal_error", "service_unavailable", "slow_down", "reset_before",
                                             "stall", "reset_mid", "truncate_body"};

// The uploader for the fake's bucket, with quick retries at both levels.
std::string oci_uploader(const OciFake& fake, int attempts) {
  return uploader_flag("oci://" + fake.bucket(), attempts,
                       {{"timeout", {2, 2}},
                        {"retry_strategy", {{"max_attempts", attempts}, {"total_elapsed_time_seconds", 60}}}});
}

// cairn's environment for a run against `endpoint` (the fake or the proxy).
std::map<std::string, std::string> oci_env(const OciFake& fake, const std::string& endpoint, const fs::path& tmp) {
  return {{"OCI_CONFIG_FILE", fake.config_file()}, {"OCI_OBJECT_STORAGE_ENDPOINT", endpoint},
          {"OCI_CLI_PROFILE", ""}, {"TMPDIR", tmp.string()}};
}

// The objects the fake holds under `prefix` (not through Cairn).
std::vector<std::string> stored_names(const OciFake& fake, const std::string& prefix) {
  std::vector<std::string> names;
  const nlohmann::json stats = fake.stats();  // kept: the loop below walks into it
  for (const auto& [name, size] : stats.at("objects").at(fake.bucket()).items()) {
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oci_end_to_end)

BOOST_AUTO_TEST_CASE(faulted_saves_land_and_resume_bitwise_equal_to_an_uninterrupted_run) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  FaultProxy proxy(fake.endpoint(), 0.3, kOciFaults, /*seed=*/11, /*stall_seconds=*/4);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  const auto faulted = oci_env(fake, proxy.endpoint(), dir.path() / "tmp");
  const std::string bucket = "oci://" + fake.bucket();

  // Every batch saved, to a local folder the uploader mirrors (ck/<file>), so
  // each checkpoint can be compared with what landed.
  const Result first = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "3ba", "--save-interval", "1ba",
                                                "--save-folder", "ck", "--callback", oci_uploader(fake, 10)}),
                                 dir.path(), faulted);
  BOOST_TEST_MESSAGE("proxy after the first run: " << proxy.stats().dump());
  BOOST_REQUIRE_MESSAGE(first.status == 0, describe(first));
  BOOST_TEST(!contains(first.err, "BEGIN"));
  const auto saved = local_checkpoints(dir.path() / "ck");
  BOOST_TEST(saved.size() == 3u);
  for (const auto& [name, local] : saved) {
    BOOST_TEST((fake.object(fake.bucket(), "ck/" + name) == read_file(local)), name);
  }
  const std::string pointer = fake.object(fake.bucket(), "ck/latest-rank0.pt.symlink");
  BOOST_TEST(contains(pointer, "-ba3-rank0.pt"), pointer);

  // Resumed from the store's latest pointer, through faults again, saving to oci:// directly.
  const Result resumed = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "6ba", "--load-path",
                                                  bucket + "/ck/latest-rank0.pt", "--save-folder", bucket + "/resumed",
                                                  "--callback", oci_uploader(fake, 10)}),
                                   dir.path(), faulted);
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, describe(resumed));
  const auto stats = proxy.stats();
  BOOST_TEST_MESSAGE("proxy after both runs: " << stats.dump());
  BOOST_TEST(stats.at("faults_total").get<int>() > 0, stats.dump());
  BOOST_TEST(stats.at("passed").get<int>() > 0, stats.dump());

  // The uninterrupted run, straight to the fake.
  const Result full = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "6ba", "--save-folder",
                                               bucket + "/full"}),
                                dir.path(), oci_env(fake, fake.endpoint(), dir.path() / "tmp"));
  BOOST_REQUIRE_MESSAGE(full.status == 0, describe(full));
  const std::string resumed_last = fake.object(fake.bucket(), "resumed/latest-rank0.pt.symlink");
  const std::string full_last = fake.object(fake.bucket(), "full/latest-rank0.pt.symlink");
  BOOST_TEST(fs::path(resumed_last).filename() == fs::path(full_last).filename());
  write_file(dir / "resumed.pt", fake.object(fake.bucket(), resumed_last));
  write_file(dir / "full.pt", fake.object(fake.bucket(), full_last));
  BOOST_TEST(same_model_in_python(dir.path() / "resumed.pt", dir.path() / "full.pt"));
  BOOST_TEST(fake.stats().at("rejected").empty(), fake.stats().dump());
}

BOOST_AUTO_TEST_CASE(all_requests_faulted_fails_clearly_and_publishes_no_pointer) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  FaultProxy proxy(fake.endpoint(), 1.0, {"internal_error", "service_unavailable", "reset_before"}, /*seed=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  const Result run = run_cairn(with(kSample, {"--run-name", "down", "--max-duration", "2ba", "--save-interval", "1ba",
                                              "--save-folder", "oci://" + fake.bucket() + "/down", "--callback",
                                              oci_uploader(fake, 2)}),
                               dir.path(), oci_env(fake, proxy.endpoint(), dir.path()));
  BOOST_TEST(run.status != 0, describe(run));
  BOOST_TEST(contains(run.err, "attempts"), run.err);
  BOOST_TEST(contains(run.err, "oci://" + fake.bucket() + "/"), run.err);
  BOOST_TEST(!contains(run.err, "signature="));
  const auto stats = proxy.stats();
  BOOST_TEST(stats.at("requests").get<int>() >= 2, stats.dump());
  BOOST_TEST(stats.at("faults_total").get<int>() == stats.at("requests").get<int>(), stats.dump());
  BOOST_TEST(stored_names(fake, "down/").empty());
}

// Every request reaches the fake and is applied, but its answer is lost: the
// checkpoint lands while Cairn sees its upload fail. The pointer must not be
// published for it.
BOOST_AUTO_TEST_CASE(lost_answers_land_the_checkpoint_but_publish_no_pointer) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  FaultProxy proxy(fake.endpoint(), 1.0, {"lost_response"}, /*seed=*/5);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  // A configured namespace: GET /n/ would be lost too. Overwrite on: no existence check.
  const Result run = run_cairn(
      with(kSample, {"--run-name", "lost", "--max-duration", "1ba", "--save-interval", "1ba", "--save-overwrite",
                     "--save-folder", "oci://" + fake.bucket() + "/lost", "--callback",
                     uploader_flag("oci://" + fake.bucket(), 2,
                                   {{"namespace", fake.namespace_name()}, {"timeout", {2, 2}},
                                    {"retry_strategy", {{"max_attempts", 2}}}})}),
      dir.path(), oci_env(fake, proxy.endpoint(), dir.path()));
  BOOST_TEST(run.status != 0, describe(run));
  BOOST_TEST(contains(run.err, "lost/ep"), run.err);
  const auto names = stored_names(fake, "lost/");
  BOOST_TEST(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.rfind("lost/ep", 0) == 0; }) >= 1,
             "the checkpoint did not land; objects: " << names.size());
  BOOST_TEST(std::count(names.begin(), names.end(), "lost/latest-rank0.pt.symlink") == 0, "a pointer was published");
}

BOOST_AUTO_TEST_CASE(cp_and_ls_with_oci_uris) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  TempDir dir;
  const auto env = oci_env(fake, fake.endpoint(), dir.path());
  const std::string data = random_bytes(1'500'000, 9);
  write_file(dir / "model.pt", data);
  const std::string uri = "oci://" + fake.bucket() + "/runs/r1/model.pt";
  Result r = run_cairn({"cp", (dir.path() / "model.pt").string(), uri}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  BOOST_TEST((fake.object(fake.bucket(), "runs/r1/model.pt") == data));
  r = run_cairn({"cp", uri, (dir.path() / "back.pt").string()}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  BOOST_TEST((read_file(dir / "back.pt") == data));
  // An existing destination needs --overwrite; the error is one line.
  r = run_cairn({"cp", uri, (dir.path() / "back.pt").string()}, dir.path(), env);
  BOOST_TEST(r.status != 0, describe(r));
  BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
  // The store config reaches the store: a prefix, and the part size.
  r = run_cairn({"cp", (dir.path() / "model.pt").string(), "oci://" + fake.bucket() + "/second.pt", "--store-config",
                 "{\"prefix\": \"pre\"}"},
                dir.path(), env);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  BOOST_TEST((fake.object(fake.bucket(), "pre/second.pt") == data));

  const auto listed = listed_names("oci://" + fake.bucket() + "/runs", dir.path(), env);
  BOOST_TEST(listed == (std::vector<std::string>{"runs/r1/model.pt"}));
  r = run_cairn({"ls", "oci://" + fake.bucket() + "/runs"}, dir.path(), env);
  BOOST_TEST(contains(r.out, std::to_string(data.size())), r.out);

  // A missing bucket and a missing config file are one clear line each.
  r = run_cairn({"ls", "oci://no-such-bucket/x"}, dir.path(), env);
  BOOST_TEST(r.status != 0);
  BOOST_TEST(contains(r.err, "BucketNotFound"), r.err);
  BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
  auto no_config = env;
  no_config["OCI_CONFIG_FILE"] = (dir.path() / "absent").string();
  r = run_cairn({"ls", "oci://" + fake.bucket()}, dir.path(), no_config);
  BOOST_TEST(r.status == 2, describe(r));
  BOOST_TEST(contains(r.err, "OCI config file " + (dir / "absent") + " cannot be read"), r.err);
  BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
