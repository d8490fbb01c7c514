// The upload pipeline on its own (scenario 7.39, async uploader semantics):
// retries, final failures with their cause, pointer ordering, overwrite
// refusals, same-name ordering, and "reported OK but missing" uploads.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "cairn/errors.h"
#include "remote_fixtures.h"
#include "../trainer/fixtures.h"
#include "test_text.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

struct QueueFixture {
  TempDir dir;
  std::shared_ptr<FaultPlan> plan = std::make_shared<FaultPlan>();
  std::shared_ptr<PluginHost> host;

  QueueFixture() {
    plan->root = dir / "bucket";
    host = host_with_faults(plan);
  }
  std::unique_ptr<RemoteUploaderDownloader> uploader(int num_attempts, int workers = 2) {
    return RemoteUploaderDownloader::open(fast_uploader_options(num_attempts, workers), *host);
  }
  // A local file with distinct content.
  std::string file(const std::string& name, const std::string& content) {
    write_bytes(dir / name, content);
    return dir / name;
  }
  std::string object(const std::string& name) const { return read_bytes(plan->root + "/" + name); }
  bool has_object(const std::string& name) const { return fs::exists(plan->root + "/" + name); }
};

RecordingLogger waited(RemoteUploaderDownloader& rud, std::string* error = nullptr) {
  RecordingLogger log;
  try {
    rud.wait_for_uploads(&log);
  } catch (const StoreError& e) {
    if (error != nullptr) *error = e.what();
  }
  return log;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(upload_queue)

BOOST_FIXTURE_TEST_CASE(transient_faults_are_retried_until_every_object_lands, QueueFixture) {
  plan->transient_percent = 30;
  auto rud = uploader(/*num_attempts=*/12, /*workers=*/3);
  for (int i = 0; i < 20; ++i) {
    rud->upload_file("run/ckpt" + std::to_string(i) + ".pt", file("f" + std::to_string(i), std::string(1000 + i, 'a' + i % 26)), false);
  }
  std::string error;
  const RecordingLogger log = waited(*rud, &error);
  BOOST_TEST(error.empty(), error);
  BOOST_TEST(plan->injected > 0);  // the faults really happened
  for (int i = 0; i < 20; ++i) BOOST_TEST(object("run/ckpt" + std::to_string(i) + ".pt") == std::string(1000 + i, 'a' + i % 26));
  BOOST_TEST(log.warnings.empty());  // a failure a retry fixed is not a failure
  BOOST_TEST(contains_any(log.infos, "retrying"));
}

BOOST_FIXTURE_TEST_CASE(final_failures_carry_the_cause_and_block_the_pointer, QueueFixture) {
  plan->fail_checkpoints = true;
  auto rud = uploader(/*num_attempts=*/3);
  rud->upload_file("run/ep0-ba1-rank0.pt", file("ckpt", "weights"), false);
  rud->upload_file("run/latest-rank0.pt.symlink", file("ptr", "run/ep0-ba1-rank0.pt"), true);
  std::string error;
  const RecordingLogger log = waited(*rud, &error);
  BOOST_TEST(plan->attempts["run/ep0-ba1-rank0.pt"] == 3);
  BOOST_TEST(error.find("failed after 3 attempt(s)") != std::string::npos, error);
  BOOST_TEST(error.find("injected transient fault (HTTP 503 SlowDown) at attempt 3") != std::string::npos, error);
  BOOST_TEST(error.find("pointer 'faulty://bucket/run/latest-rank0.pt.symlink' was not published") != std::string::npos,
             error);
  BOOST_TEST(!has_object("run/latest-rank0.pt.symlink"));
  BOOST_TEST(plan->attempts.count("run/latest-rank0.pt.symlink") == 0);  // never even tried
  BOOST_TEST(log.warnings.size() == 2u);  // one line per failure
}

BOOST_FIXTURE_TEST_CASE(pointer_waits_for_a_slow_checkpoint, QueueFixture) {
  plan->slow_name_part = "ep1";
  plan->slow_delay = std::chrono::milliseconds(300);
  auto rud = uploader(3, /*workers=*/4);
  rud->upload_file("run/ep1.pt", file("ckpt", "big checkpoint"), false);
  rud->upload_file("run/latest.pt.symlink", file("ptr", "run/ep1.pt"), true);
  waited(*rud);
  // With four idle workers the pointer would be stored first, were it not
  // held back until its checkpoint was confirmed.
  BOOST_TEST(plan->landed == (std::vector<std::string>{"run/ep1.pt", "run/latest.pt.symlink"}),
             boost::test_tools::per_element());
  BOOST_TEST(object("run/latest.pt.symlink") == "run/ep1.pt");
}

// A sharded checkpoint's pointer names its folder: it waits for the folder's
// .metadata, which is what makes the folder a checkpoint.
BOOST_FIXTURE_TEST_CASE(pointer_to_a_sharded_folder_waits_for_its_metadata, QueueFixture) {
  plan->slow_name_part = ".metadata";
  plan->slow_delay = std::chrono::milliseconds(300);
  auto rud = uploader(3, /*workers=*/4);
  rud->upload_file("run/ep0-ba2/__0_0.distcp", file("shard", "rank 0's part"), false);
  rud->upload_file("run/ep0-ba2/.metadata", file("metadata", "the folder's metadata"), false);
  rud->upload_file("run/latest.pt.symlink", file("ptr", "run/ep0-ba2"), true);
  waited(*rud);
  BOOST_TEST(plan->landed.back() == "run/latest.pt.symlink");
  BOOST_TEST(object("run/latest.pt.symlink") == "run/ep0-ba2");
}

// A pointer to a folder whose .metadata never landed is not published.
BOOST_FIXTURE_TEST_CASE(pointer_to_an_unpublished_sharded_folder_is_refused, QueueFixture) {
  auto rud = uploader(2);
  rud->upload_file("run/ep0-ba2/__0_0.distcp", file("shard", "rank 0's part"), false);
  rud->upload_file("run/latest.pt.symlink", file("ptr", "run/ep0-ba2"), true);
  std::string error;
  waited(*rud, &error);
  BOOST_TEST(error.find("its target 'faulty://bucket/run/ep0-ba2' is not in the store") != std::string::npos, error);
  BOOST_TEST(!has_object("run/latest.pt.symlink"));
}

// A receipt can be waited on, and says why its upload failed (what a rank's
// sharded save reports).
BOOST_FIXTURE_TEST_CASE(receipts_wait_for_the_end_and_carry_the_cause, QueueFixture) {
  plan->fail_checkpoints = true;
  auto rud = uploader(/*num_attempts=*/2);
  const auto failed = rud->upload_file("run/ep0-ba1-rank0.pt", file("ckpt", "weights"), false);
  BOOST_TEST((failed->wait() == UploadReceipt::Status::kFailed));
  BOOST_TEST(failed->failure().find("failed after 2 attempt(s)") != std::string::npos, failed->failure());
  BOOST_TEST(failed->failure().find("faulty://bucket/run/ep0-ba1-rank0.pt") != std::string::npos, failed->failure());
  std::string error;
  waited(*rud, &error);
}

BOOST_FIXTURE_TEST_CASE(upload_reported_ok_but_missing_is_detected_and_retried, QueueFixture) {
  plan->lose_first_attempt = true;
  auto rud = uploader(3);
  rud->upload_file("run/a.pt", file("a", "aaaa"), false);
  std::string error;
  const RecordingLogger log = waited(*rud, &error);
  BOOST_TEST(error.empty(), error);
  BOOST_TEST(plan->attempts["run/a.pt"] == 2);
  BOOST_TEST(object("run/a.pt") == "aaaa");
  BOOST_TEST(contains_any(log.infos, "reported the upload as done, but the object is missing"));
}

BOOST_FIXTURE_TEST_CASE(lost_uploads_fail_when_retries_run_out, QueueFixture) {
  plan->lose_first_attempt = true;
  auto rud = uploader(1);
  rud->upload_file("run/a.pt", file("a", "aaaa"), false);
  std::string error;
  waited(*rud, &error);
  BOOST_TEST(error.find("the object is missing") != std::string::npos, error);
}

BOOST_FIXTURE_TEST_CASE(overwrite_off_refuses_existing_and_queued_objects_before_uploading, QueueFixture) {
  write_bytes(dir / "bucket-existing", "old");
  fs::create_directories(plan->root + "/run");
  fs::copy_file(dir / "bucket-existing", plan->root + "/run/a.pt");
  auto rud = uploader(3);
  BOOST_CHECK_EXCEPTION(rud->upload_file("run/a.pt", file("a", "new"), false), AlreadyExistsError,
                        [](const AlreadyExistsError& e) {
                          return std::string(e.what()).find("already exists and overwrite is off") != std::string::npos;
                        });
  plan->slow_name_part = "b.pt";
  plan->slow_delay = std::chrono::milliseconds(200);
  rud->upload_file("run/b.pt", file("b", "b1"), false);
  BOOST_CHECK_THROW(rud->upload_file("run/b.pt", file("b2", "b2"), false), AlreadyExistsError);
  waited(*rud);
  BOOST_TEST(plan->attempts.count("run/a.pt") == 0);
  BOOST_TEST(object("run/a.pt") == "old");
  BOOST_TEST(object("run/b.pt") == "b1");
}

BOOST_FIXTURE_TEST_CASE(same_name_uploads_land_in_order, QueueFixture) {
  auto rud = uploader(3, /*workers=*/4);
  for (int i = 0; i < 10; ++i) rud->upload_file("run/x.txt", file("x" + std::to_string(i), std::to_string(i)), true);
  waited(*rud);
  BOOST_TEST(object("run/x.txt") == "9");
}

BOOST_FIXTURE_TEST_CASE(file_path_format_string_and_config, QueueFixture) {
  auto o = fast_uploader_options(3);
  o.file_path_format_string = "prefix/{remote_file_name}";
  RemoteUploaderDownloader rud(o, [this] { return host->open_store("faulty", nullptr); });
  BOOST_TEST(rud.object_name("/run/a.pt") == "prefix//run/a.pt");
  BOOST_CHECK_EXCEPTION(RemoteUploaderDownloaderOptions::from_json({{"bucket_uri", "s3://b"}, {"num_atempts", 2}}),
                        ConfigError, [](const ConfigError& e) { return std::string(e.what()).find("num_atempts") != std::string::npos; });
  auto zero = fast_uploader_options(3, 0);
  BOOST_CHECK_THROW(RemoteUploaderDownloader::open(zero, *host), ConfigError);
  auto unknown = fast_uploader_options(3);
  unknown.bucket_uri = "oci://bucket";
  BOOST_CHECK_EXCEPTION(RemoteUploaderDownloader::open(unknown, *host), ConfigError, [](const ConfigError& e) {
    const std::string text = e.what();
    return text.find("no loaded plugin handles 'oci://'") != std::string::npos && text.find("faulty") != std::string::npos;
  });
  // Registered as an engine built-in, so `--callback RemoteUploaderDownloader=...` finds it.
  auto made = host->make_callback("RemoteUploaderDownloader",
                                  {{"bucket_uri", "faulty://bucket"}, {"num_concurrent_uploads", 2}, {"use_procs", false}});
  BOOST_TEST(dynamic_cast<RemoteUploaderDownloader*>(made.get()) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
