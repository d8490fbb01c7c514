// Remote checkpointing through the trainer (scenarios 7.5, 7.19, 7.22, 7.23):
// save_folder URIs, the remote latest pointer, resuming and autoresuming from
// the store, faults, overwrite refusals and local retention.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "cairn/errors.h"
#include "cairn/state.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/model_state.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "ivalue_compare.h"
#include "remote_fixtures.h"
#include "scoped_env.h"
#include "temp_dir.h"
#include "../trainer/fixtures.h"
#include "test_text.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

// Wall-clock fields and the savers' own history differ between runs by nature.
const std::vector<std::string> kNotComparable = {"state/timestamp/Timestamp/*_wct", "state/callbacks/CheckpointSaver*"};

// "file:///tmp/x/bucket" and the object names under it ("tmp/x/bucket/...").
struct FileBucket {
  TempDir dir;
  std::string folder = dir / "bucket";
  std::string uri(const std::string& path = "run") const { return "file://" + folder + "/" + path; }
  std::string object_prefix(const std::string& path = "run") const { return folder.substr(1) + "/" + path; }
  std::string file(const std::string& name) const { return folder + "/run/" + name; }
};

TrainerOptions remote_options(const std::string& save_folder, const std::string& duration = "3ba") {
  auto o = make_options(duration);
  o.save_folder = save_folder;
  o.save_interval = Time::parse("1ba");
  return o;
}

// "Saved checkpoint '<path>' at ..." lines name the local copies.
std::vector<std::string> saved_local_paths(const RecordingLogger& log) {
  std::vector<std::string> paths;
  for (const auto& line : log.infos) {
    const std::string head = "Saved checkpoint '";
    if (line.rfind(head, 0) == 0) paths.push_back(line.substr(head.size(), line.find('\'', head.size()) - head.size()));
  }
  return paths;
}

struct FaultyRun {
  TempDir dir;
  std::shared_ptr<FaultPlan> plan = std::make_shared<FaultPlan>();
  std::shared_ptr<PluginHost> host;
  FaultyRun() {
    plan->root = dir / "bucket";
    host = host_with_faults(plan);
  }
  // A run saving every batch to faulty://bucket/run through the user's
  // uploader for that bucket (fast retries).
  TrainerOptions options(int num_attempts, const std::string& duration = "4ba") {
    auto o = remote_options("faulty://bucket/run", duration);
    o.plugins = host;
    o.callbacks.push_back({"", RemoteUploaderDownloader::open(fast_uploader_options(num_attempts), *host)});
    return o;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(remote_save)

// 7.22 (first half) and 7.5: every checkpoint lands byte-identical to the
// local copy; the pointer object holds the bucket-relative checkpoint name.
BOOST_AUTO_TEST_CASE(every_checkpoint_lands_and_the_pointer_names_the_last) {
  FileBucket bucket;
  auto o = remote_options(bucket.uri());
  o.save_stage_locally = true;  // Composer's way; stream_save_test.cpp has the default
  Trainer trainer(std::move(o));
  trainer.fit();
  trainer.close();
  const auto local = trainer.saved_checkpoints();
  BOOST_REQUIRE_EQUAL(local.size(), 3u);
  for (int batch = 1; batch <= 3; ++batch) {
    const std::string name = "ep0-ba" + std::to_string(batch) + "-rank0.pt";
    BOOST_TEST(fs::path(local[batch - 1]).filename() == name);
    BOOST_TEST(read_bytes(bucket.file(name)) == read_bytes(local[batch - 1]), name << " differs from the local copy");
  }
  BOOST_TEST(read_bytes(bucket.file("latest-rank0.pt.symlink")) == bucket.object_prefix() + "/ep0-ba3-rank0.pt");
  BOOST_TEST(files_under(bucket.folder + "/run").size() == 4u);
}

// 7.23: resuming from file:///.../latest-rank0.pt goes through the .symlink
// object and ends bitwise-identical to an uninterrupted run.
BOOST_AUTO_TEST_CASE(resume_from_the_remote_latest_pointer_is_exact) {
  FileBucket bucket;
  TempDir local;
  auto full = make_options("6ba");
  full.save_folder = local / "full";
  full.save_interval = Time::parse("2ba");
  Trainer(std::move(full)).fit();

  auto first = remote_options(bucket.uri(), "3ba");
  Trainer(std::move(first)).fit();
  auto resumed = make_options("6ba", /*seed=*/7);  // everything must come from the checkpoint
  resumed.load_path = bucket.uri() + "/latest-rank0.pt";
  resumed.save_folder = local / "resumed";
  resumed.save_interval = Time::parse("2ba");
  Trainer trainer(std::move(resumed));
  BOOST_TEST(trainer.state().timestamp.batch == 3);
  trainer.fit();
  const auto a = checkpoint::read_checkpoint(local / "full/ep1-ba6-rank0.pt");
  const auto b = checkpoint::read_checkpoint(local / "resumed/ep1-ba6-rank0.pt");
  const std::string diff = first_difference(a, b, kNotComparable);
  BOOST_TEST(diff.empty(), "differs at " << diff);
}

// 7.19 (object-store variant): autoresume finds the remote latest pointer
// when the local staging folder is fresh.
BOOST_AUTO_TEST_CASE(autoresume_downloads_the_remote_latest) {
  FileBucket bucket;
  auto first = remote_options(bucket.uri(), "3ba");
  first.autoresume = true;
  Trainer one(std::move(first));
  one.fit();
  one.close();
  const auto weights = model_state_dict(*one.state().model->module());

  auto second = remote_options(bucket.uri(), "5ba");
  second.autoresume = true;
  second.seed = 9;
  second.load_path = "ignore-me.pt";  // autoresume wins over load_path, as in Composer
  auto log = std::make_shared<RecordingLogger>();
  second.logger = log;
  Trainer two(std::move(second));
  BOOST_TEST(two.state().timestamp.batch == 3);
  BOOST_TEST(first_difference(weights, model_state_dict(*two.state().model->module())).empty());
  BOOST_TEST(contains_any(log->infos, "downloaded the remote latest checkpoint"));
  two.fit();
  two.close();
  BOOST_TEST(read_bytes(bucket.file("latest-rank0.pt.symlink")) == bucket.object_prefix() + "/ep0-ba5-rank0.pt");
}

// The flaky-store half of the fault test: 30 % transient faults.
BOOST_AUTO_TEST_CASE(flaky_store_run_completes_and_every_object_lands) {
  FaultyRun run;
  run.plan->transient_percent = 30;
  Trainer trainer(run.options(/*num_attempts=*/12, "10ba"));
  trainer.fit();
  trainer.close();
  BOOST_TEST(run.plan->injected > 0);
  const auto local = trainer.saved_checkpoints();
  BOOST_REQUIRE_EQUAL(local.size(), 10u);
  for (const auto& path : local) {
    BOOST_TEST(read_bytes(run.plan->root + "/run/" + fs::path(path).filename().string()) == read_bytes(path));
  }
  BOOST_TEST(read_bytes(run.plan->root + "/run/latest-rank0.pt.symlink") == "run/ep1-ba10-rank0.pt");
}

// 7.22 (second half): uploads that fail for good end the run with the
// store's error after the configured attempts, and no pointer is published.
BOOST_AUTO_TEST_CASE(failing_uploads_fail_fit_and_publish_no_pointer) {
  // A failed remote save keeps its local copies (and names them): in a
  // folder of this case's own, so nothing is left in the suite's TMPDIR.
  TempDir kept;
  ScopedEnv tmpdir("TMPDIR", kept.path().string());
  FaultyRun run;
  run.plan->fail_checkpoints = true;
  auto log = std::make_shared<RecordingLogger>();
  auto o = run.options(/*num_attempts=*/3, "2ba");
  o.logger = log;
  Trainer trainer(std::move(o));
  const std::string error = error_text<StoreError>([&] { trainer.fit(); });
  BOOST_TEST(contains(error, "upload(s) to faulty://bucket failed"), error);
  BOOST_TEST(contains(error, "failed after 3 attempt(s)"), error);
  BOOST_TEST(contains(error, "injected transient fault"), error);
  BOOST_TEST(run.plan->attempts["run/ep0-ba1-rank0.pt"] == 3);
  BOOST_TEST(!fs::exists(run.plan->root + "/run/latest-rank0.pt.symlink"));
  BOOST_TEST(run.plan->attempts.count("run/latest-rank0.pt.symlink") == 0);
  BOOST_TEST(contains_any(log->warnings, "failed after 3 attempt(s)"));  // one warning line per failure
}

// save_overwrite=false: an existing remote object stops the save before
// anything of it is uploaded.
BOOST_AUTO_TEST_CASE(existing_remote_object_is_refused_before_uploading) {
  // A failed remote save keeps its local copies (and names them): in a
  // folder of this case's own, so nothing is left in the suite's TMPDIR.
  TempDir kept;
  ScopedEnv tmpdir("TMPDIR", kept.path().string());
  FaultyRun run;
  fs::create_directories(run.plan->root + "/run");
  write_bytes(run.plan->root + "/run/ep0-ba1-rank0.pt", "someone else's checkpoint");
  Trainer trainer(run.options(3, "2ba"));
  const std::string error = error_text<AlreadyExistsError>([&] { trainer.fit(); });
  BOOST_TEST(contains(error, "faulty://bucket/run/ep0-ba1-rank0.pt' already exists and overwrite is off"), error);
  BOOST_TEST(contains(error, "save_overwrite"), error);
  trainer.close();
  BOOST_TEST(run.plan->attempts.empty());
  BOOST_TEST(read_bytes(run.plan->root + "/run/ep0-ba1-rank0.pt") == "someone else's checkpoint");
}

// save_num_checkpoints_to_keep=0 removes each local copy once its upload is
// confirmed; remote objects stay.
BOOST_AUTO_TEST_CASE(keep_zero_deletes_local_copies_after_upload) {
  FileBucket bucket;
  auto o = remote_options(bucket.uri());
  o.save_stage_locally = true;
  o.save_num_checkpoints_to_keep = 0;
  auto log = std::make_shared<RecordingLogger>();
  o.logger = log;
  Trainer trainer(std::move(o));
  trainer.fit();
  trainer.close();
  const auto local = saved_local_paths(*log);
  BOOST_REQUIRE_EQUAL(local.size(), 3u);
  for (const auto& path : local) {
    BOOST_TEST(!fs::exists(path), path << " was kept");
    BOOST_TEST(fs::exists(bucket.file(fs::path(path).filename().string())));
  }
  BOOST_TEST(trainer.saved_checkpoints().empty());
}

// A CheckpointSaver callback with a local folder hands each file to every
// uploading destination, under Composer's default remote names.
BOOST_AUTO_TEST_CASE(saver_callback_uploads_through_the_logger) {
  FaultyRun run;
  TempDir local;
  auto o = make_options("2ba");
  o.plugins = run.host;
  CheckpointSaverOptions so;
  so.folder = local / "ckpt";
  so.save_interval = Time::parse("1ba");
  o.callbacks.push_back({"", std::make_shared<CheckpointSaver>(so)});
  o.callbacks.push_back({"", RemoteUploaderDownloader::open(fast_uploader_options(3), *run.host)});
  Trainer trainer(std::move(o));
  trainer.fit();
  trainer.close();
  for (const std::string name : {"ep0-ba1-rank0.pt", "ep0-ba2-rank0.pt"}) {
    BOOST_TEST(read_bytes(run.plan->root + "/test-run/checkpoints/" + name) == read_bytes(local / ("ckpt/" + name)));
  }
  BOOST_TEST(read_bytes(run.plan->root + "/test-run/checkpoints/latest-rank0.pt.symlink") ==
             "test-run/checkpoints/ep0-ba2-rank0.pt");
}

BOOST_AUTO_TEST_CASE(a_scheme_no_plugin_handles_is_refused_at_construction) {
  auto o = remote_options("oci://bucket@namespace/run");
  const std::string error = error_text<ConfigError>([&] { Trainer trainer(std::move(o)); });
  BOOST_TEST(contains(error, "save_folder 'oci://bucket@namespace/run'"), error);
  BOOST_TEST(contains(error, "no loaded plugin handles 'oci://' URIs (loaded schemes: file)"), error);
}

BOOST_AUTO_TEST_CASE(custom_format_string_conflicts_with_the_latest_pointer) {
  FaultyRun run;
  auto o = make_options("1ba");
  auto uploader_options = fast_uploader_options(3);
  uploader_options.file_path_format_string = "x/{remote_file_name}";
  o.callbacks.push_back({"", RemoteUploaderDownloader::open(uploader_options, *run.host)});
  const std::string error = error_text<ConfigError>([&] { Trainer trainer(std::move(o)); });
  BOOST_TEST(contains(error, "file_path_format_string"), error);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
