// Streamed saves: a URI save_folder sends each full checkpoint straight into
// the store as it is serialized (CheckpointSaver::stream_into), with the
// remote latest pointer after it. Checked here: nothing is written locally,
// the objects hold the same checkpoint a staged save uploads, asynchronous
// saves stream too, an existing checkpoint is refused without overwrite, and
// a store that fails the stream loses nothing: the save falls back to the
// local file and the uploader, which retries it.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "core/ivalue_convert.h"
#include "fault_store.h"
#include "ivalue_compare.h"
#include "remote_fixtures.h"
#include "scoped_env.h"
#include "temp_dir.h"
#include "../trainer/fixtures.h"
#include "test_text.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kNotComparable = {"state/timestamp/Timestamp/*_wct", "state/callbacks/CheckpointSaver*"};

struct StreamRun {
  TempDir dir;
  TempDir tmp;  // TMPDIR of the run: where a staged save would put its copies
  ScopedEnv tmpdir{"TMPDIR", tmp.path().string()};
  std::string bucket = dir / "bucket";

  std::string uri() const { return "file://" + bucket + "/run"; }
  std::string object(const std::string& name) const { return bucket + "/run/" + name; }
  TrainerOptions options(const std::string& duration = "3ba") const {
    auto o = make_options(duration);
    o.save_folder = uri();
    o.save_interval = Time::parse("1ba");
    return o;
  }
  // Checkpoints under TMPDIR (where a staged save's local copies would be;
  // the folder's lock file is there either way).
  std::vector<std::string> local_files() const {
    std::vector<std::string> checkpoints;
    for (const std::string& file : files_under(tmp.path().string())) {
      if (fs::path(file).extension() == ".pt") checkpoints.push_back(file);
    }
    return checkpoints;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_save)

BOOST_AUTO_TEST_CASE(a_uri_save_folder_streams_each_checkpoint_and_writes_nothing_locally) {
  StreamRun run;
  auto log = std::make_shared<RecordingLogger>();
  auto o = run.options();
  o.logger = log;
  Trainer trainer(std::move(o));
  trainer.fit();
  // Before the trainer goes (a staged save's copies would still be there).
  BOOST_TEST(run.local_files().empty(), "written locally: " << run.local_files().front());
  std::vector<std::string> expected;
  for (int batch = 1; batch <= 3; ++batch) {
    const std::string name = "ep0-ba" + std::to_string(batch) + "-rank0.pt";
    expected.push_back(run.uri() + "/" + name);
    const auto ckpt = checkpoint::read_checkpoint(run.object(name));
    BOOST_TEST(find_key(ckpt, "state") != nullptr, name << " is not a checkpoint");
    BOOST_TEST(contains_any(log->infos, "Saved checkpoint '" + run.uri() + "/" + name + "'"));
  }
  BOOST_TEST(trainer.saved_checkpoints() == expected, boost::test_tools::per_element());
  BOOST_TEST(read_bytes(run.object("latest-rank0.pt.symlink")) == run.bucket.substr(1) + "/run/ep0-ba3-rank0.pt");
  BOOST_TEST(files_under(run.bucket + "/run").size() == 4u);
  BOOST_TEST(trainer.checkpoint_summary().kept == 3u);
  trainer.close();
}

BOOST_AUTO_TEST_CASE(a_streamed_checkpoint_holds_what_a_staged_one_uploads) {
  StreamRun streamed, staged;
  Trainer(streamed.options("2ba")).fit();
  auto o = staged.options("2ba");
  o.save_stage_locally = true;
  Trainer(std::move(o)).fit();
  for (const std::string name : {"ep0-ba1-rank0.pt", "ep0-ba2-rank0.pt"}) {
    const std::string diff = first_difference(checkpoint::read_checkpoint(streamed.object(name)),
                                              checkpoint::read_checkpoint(staged.object(name)), kNotComparable);
    BOOST_TEST(diff.empty(), name << " differs at " << diff);
  }
  BOOST_TEST(read_bytes(streamed.object("latest-rank0.pt.symlink")) == streamed.bucket.substr(1) + "/run/ep0-ba2-rank0.pt");
}

BOOST_AUTO_TEST_CASE(asynchronous_saves_stream_in_the_background) {
  StreamRun sync_run, async_run;
  Trainer(sync_run.options()).fit();
  auto o = async_run.options();
  o.save_async = true;
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(async_run.local_files().empty());
  for (const std::string name : {"ep0-ba1-rank0.pt", "ep0-ba2-rank0.pt", "ep0-ba3-rank0.pt"}) {
    const std::string diff = first_difference(checkpoint::read_checkpoint(sync_run.object(name)),
                                              checkpoint::read_checkpoint(async_run.object(name)), kNotComparable);
    BOOST_TEST(diff.empty(), name << " differs at " << diff);
  }
  BOOST_TEST(read_bytes(async_run.object("latest-rank0.pt.symlink")) == async_run.bucket.substr(1) + "/run/ep0-ba3-rank0.pt");
  BOOST_TEST(trainer.saved_checkpoints().back() == async_run.uri() + "/ep0-ba3-rank0.pt");
}

BOOST_AUTO_TEST_CASE(an_existing_checkpoint_is_refused_without_overwrite_and_left_alone) {
  StreamRun run;
  fs::create_directories(run.bucket + "/run");
  write_bytes(run.object("ep0-ba1-rank0.pt"), "someone else's checkpoint");
  Trainer trainer(run.options("2ba"));
  const std::string error = error_text<ConfigError>([&] { trainer.fit(); });
  BOOST_TEST(contains(error, "checkpoint '" + run.uri() + "/ep0-ba1-rank0.pt' already exists and overwrite is off"), error);
  BOOST_TEST(contains(error, "save_overwrite"), error);
  BOOST_TEST(read_bytes(run.object("ep0-ba1-rank0.pt")) == "someone else's checkpoint");
  BOOST_TEST(!fs::exists(run.object("latest-rank0.pt.symlink")));

  auto o = run.options("2ba");
  o.save_overwrite = true;
  Trainer(std::move(o)).fit();
  BOOST_TEST(read_bytes(run.object("ep0-ba1-rank0.pt")) != "someone else's checkpoint");
}

BOOST_AUTO_TEST_CASE(a_failed_stream_falls_back_to_the_uploader_and_loses_nothing) {
  TempDir tmp;
  ScopedEnv tmpdir("TMPDIR", tmp.path().string());
  TempDir dir;
  auto plan = std::make_shared<FaultPlan>();
  plan->root = dir / "bucket";
  plan->fail_first_attempts = 1;  // each object's stream fails; the uploader's first try lands
  auto o = make_options("2ba");
  o.plugins = host_with_faults(plan);
  o.save_folder = "faulty://bucket/run";
  o.save_interval = Time::parse("1ba");
  auto log = std::make_shared<RecordingLogger>();
  o.logger = log;
  Trainer trainer(std::move(o));
  trainer.fit();
  trainer.close();
  BOOST_TEST(contains_any(log->warnings, "could not stream checkpoint 'faulty://bucket/run/ep0-ba1-rank0.pt' to the store"));
  BOOST_TEST(contains_any(log->warnings, "injected transient fault"));
  for (const std::string name : {"run/ep0-ba1-rank0.pt", "run/ep0-ba2-rank0.pt"}) {
    BOOST_TEST(plan->attempts[name] == 2);  // the stream, then the uploader
    BOOST_TEST(checkpoint::read_checkpoint(plan->root + "/" + name).isGenericDict());
  }
  BOOST_TEST(read_bytes(plan->root + "/run/latest-rank0.pt.symlink") == "run/ep0-ba2-rank0.pt");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
