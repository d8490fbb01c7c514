// The trainer finds upload destinations and checkpoint writers through the
// roles a callback declares (Callback::as_logger_destination,
// Callback::as_checkpoint_writer), never through their types: a plugin's own
// uploader or saver is treated exactly as the engine's.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>

#include "cairn/checkpoint_writer.h"
#include "cairn/destination_callback.h"
#include "cairn/logger.h"
#include "cairn/state.h"
#include "fixtures.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

class SettableReceipt : public UploadReceipt {
 public:
  Status status() const override { return status_; }
  Status status_ = Status::kPending;
};

// An upload destination written against the SDK alone, as a store plugin's
// uploader would be. It keeps every receipt so a test decides how uploads end.
class FakeUploader : public DestinationCallback {
 public:
  explicit FakeUploader(std::string bucket = "", bool uploads = true) : bucket_(std::move(bucket)), uploads_(uploads) {}
  bool can_upload_files() const override { return uploads_; }
  std::string bucket_uri() const override { return bucket_; }
  std::shared_ptr<const UploadReceipt> upload_file(const std::string& remote, const std::string& local, bool,
                                                   FileAfterUpload after) override {
    names.push_back(remote);
    // The saver promises never to rewrite what it hands over.
    all_replaced_whole = all_replaced_whole && after == FileAfterUpload::kReplacedWhole;
    receipts[remote] = std::make_shared<SettableReceipt>();
    if (!local.empty() && fs::exists(local)) contents[remote] = read_bytes(local);
    return receipts[remote];
  }
  void settle_all(UploadReceipt::Status status) {
    for (auto& r : receipts) r.second->status_ = status;
  }
  std::vector<std::string> names;
  std::map<std::string, std::shared_ptr<SettableReceipt>> receipts;
  std::map<std::string, std::string> contents;
  bool all_replaced_whole = true;

 private:
  std::string bucket_;
  bool uploads_;
};

// A checkpoint writer that is not the engine's CheckpointSaver: it keeps each
// assembled checkpoint in memory.
class MemoryWriter : public Callback, public CheckpointWriter {
 public:
  void on_event(Event event, State& state) override {
    if (event == Event::BATCH_CHECKPOINT) checkpoints.push_back(assembler_(state, /*weights_only=*/true));
  }
  CheckpointWriter* as_checkpoint_writer() override { return this; }
  void attach(Assembler assembler) override { assembler_ = std::move(assembler); }
  size_t num_saved() const override { return checkpoints.size(); }
  size_t num_kept() const override { return checkpoints.size(); }
  const std::vector<std::string>& saved_checkpoints() const override { return no_files_; }
  std::optional<Time> save_interval_time() const override { return Time(1, TimeUnit::BATCH); }
  std::vector<c10::IValue> checkpoints;

 private:
  Assembler assembler_;
  std::vector<std::string> no_files_;
};

std::vector<std::string> checkpoints_in(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& name : list_files(folder)) {
    if (name.rfind("ep", 0) == 0) names.push_back(name);
  }
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(upload_destinations)

// Composer keeps one uploader per bucket: a destination of the user's that
// writes to the save_folder's bucket takes the checkpoints, and the trainer
// opens no second uploader (which would have written into the folder).
BOOST_AUTO_TEST_CASE(a_destination_for_the_save_buckets_takes_its_checkpoints) {
  TempDir dir;
  auto uploader = std::make_shared<FakeUploader>("file://");
  auto o = make_options("2ba");
  o.save_folder = "file://" + dir / "remote";
  o.save_interval = Time::parse("1ba");
  o.callbacks.push_back({"MyUploader", uploader});
  Trainer trainer(std::move(o));
  trainer.fit();
  const std::string prefix = (dir / "remote").substr(1);  // the URI's path, without its leading '/'
  BOOST_TEST(uploader->names == (std::vector<std::string>{prefix + "/ep0-ba1-rank0.pt",
                                                         prefix + "/latest-rank0.pt.symlink",
                                                         prefix + "/ep0-ba2-rank0.pt",
                                                         prefix + "/latest-rank0.pt.symlink"}),
             boost::test_tools::per_element());
  BOOST_TEST(uploader->contents[prefix + "/latest-rank0.pt.symlink"] == prefix + "/ep0-ba2-rank0.pt");
  BOOST_TEST(uploader->all_replaced_whole);
  BOOST_TEST(!fs::exists(dir / "remote"), "the trainer opened an uploader of its own");
  uploader->settle_all(UploadReceipt::Status::kConfirmed);
}

// A rotated-out local checkpoint stays until the destination confirms its
// upload, and is kept for good when the upload failed.
BOOST_AUTO_TEST_CASE(rotation_waits_for_each_upload_receipt) {
  TempDir dir;
  auto uploader = std::make_shared<FakeUploader>();
  auto o = make_options("3ba");
  o.save_folder = dir / "ckpt";
  o.save_interval = Time::parse("1ba");
  o.save_num_checkpoints_to_keep = 1;
  o.callbacks.push_back({"MyUploader", uploader});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(checkpoints_in(dir / "ckpt") ==
                 (std::vector<std::string>{"ep0-ba1-rank0.pt", "ep0-ba2-rank0.pt", "ep0-ba3-rank0.pt"}),
             boost::test_tools::per_element());
  // A local save_folder's remote names are its paths without the leading '/'
  // (Composer's rule).
  const std::string folder = (dir / "ckpt").substr(1);
  BOOST_REQUIRE_MESSAGE(uploader->receipts.count(folder + "/ep0-ba1-rank0.pt") == 1,
                        "handed over: " << uploader->names.front() << " ...");
  uploader->receipts.at(folder + "/ep0-ba1-rank0.pt")->status_ = UploadReceipt::Status::kConfirmed;
  uploader->receipts.at(folder + "/ep0-ba2-rank0.pt")->status_ = UploadReceipt::Status::kFailed;
  trainer.close();
  BOOST_TEST(checkpoints_in(dir / "ckpt") == (std::vector<std::string>{"ep0-ba2-rank0.pt", "ep0-ba3-rank0.pt"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_destination_that_does_not_upload_is_handed_nothing) {
  TempDir dir;
  auto metrics_only = std::make_shared<FakeUploader>("", /*uploads=*/false);
  auto o = make_options("2ba");
  o.save_folder = dir / "ckpt";
  o.save_interval = Time::parse("1ba");
  o.save_num_checkpoints_to_keep = 1;
  o.callbacks.push_back({"MetricsOnly", metrics_only});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(metrics_only->names.empty());
  // Nobody tracks an upload, so rotation deletes at once.
  BOOST_TEST(checkpoints_in(dir / "ckpt") == (std::vector<std::string>{"ep0-ba2-rank0.pt"}),
             boost::test_tools::per_element());
}

// A saver of a plugin's own gets the assembler and counts in the run's summary.
BOOST_AUTO_TEST_CASE(a_plugins_checkpoint_writer_is_given_the_assembler) {
  auto writer = std::make_shared<MemoryWriter>();
  auto o = make_options("3ba");
  o.callbacks.push_back({"MemoryWriter", writer});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(writer->checkpoints.size() == 3u);
  BOOST_TEST(writer->checkpoints.back().toGenericDict().contains("state"));
  const CheckpointSummary summary = trainer.checkpoint_summary();
  BOOST_TEST(summary.saving);
  BOOST_TEST(summary.saved == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
