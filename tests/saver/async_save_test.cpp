// Asynchronous saves (CheckpointSaverOptions::async): the snapshot's copies
// and staging reuse, and a saver writing in the background leaving the same
// files, pointer and rotation as a synchronous one.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <map>

#include "cairn/errors.h"
#include "cairn/state_dict.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/saver/state_snapshot.h"
#include "file_size_limit.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;
namespace fs = std::filesystem;

namespace {

c10::IValue tree_of(const at::Tensor& weight, const at::Tensor& moment) {
  auto model = make_dict();
  model.insert("weight", weight);
  auto optimizers = make_dict();
  optimizers.insert("exp_avg", moment);
  auto state = make_dict();
  state.insert("model", model);
  state.insert("optimizers", optimizers);
  state.insert("step", int64_t(3));
  return state;
}

at::Tensor at_path(const c10::IValue& root, const std::string& section, const std::string& key) {
  return root.toGenericDict().at(section).toGenericDict().at(key).toTensor();
}

struct AsyncSaving {
  explicit AsyncSaving(CheckpointSaverOptions options) : saver(std::move(options)), assembler(&saver) {
    assembler.attach_to(saver);
  }
  CheckpointSaver saver;
  CountingAssembler assembler;
};

CheckpointSaverOptions saving_every_batch(const fs::path& folder, bool async) {
  CheckpointSaverOptions o;
  o.folder = folder.string();
  o.save_interval = Time::parse("1ba");
  o.async = async;
  return o;
}

// A saver that ran 6 batches, saving every batch, and what it logged.
struct SixBatches {
  explicit SixBatches(CheckpointSaverOptions options) : saving(std::move(options)) {
    State state = make_state("async", "6ba", 10);
    state.logger = &logger;
    saving.saver.on_event(Event::INIT, state);
    run_fit(state, saving.saver, LoopShape{10, 2, 0});
    saving.saver.close(state);
  }
  AsyncSaving saving;
  RecordingLogger logger;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(async_snapshot)

BOOST_AUTO_TEST_CASE(an_eager_snapshot_keeps_the_values_of_the_save_event) {
  const at::Tensor weight = at::arange(12, at::kFloat), moment = at::ones({4}, at::kDouble);
  checkpoint::SnapshotStaging staging;
  checkpoint::StateSnapshot snapshot = staging.take(tree_of(weight, moment), [](const at::Storage&) { return false; });
  weight.add_(100);
  moment.mul_(5);
  const c10::IValue state = snapshot.root();
  BOOST_TEST(at::equal(at_path(state, "model", "weight"), at::arange(12, at::kFloat)));
  BOOST_TEST(at::equal(at_path(state, "optimizers", "exp_avg"), at::ones({4}, at::kDouble)));
  BOOST_TEST(state.toGenericDict().at("step").toInt() == 3);
  BOOST_TEST(snapshot.bytes() == 12u * 4 + 4u * 8);
  BOOST_TEST(snapshot.deferred_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(a_deferred_copy_is_made_later_and_staging_is_reused) {
  const at::Tensor weight = at::arange(12, at::kFloat), moment = at::ones({4}, at::kDouble);
  const void* deferred = weight.storage().unsafeGetStorageImpl();
  checkpoint::SnapshotStaging staging;
  auto defer_weight = [&](const at::Storage& s) { return s.unsafeGetStorageImpl() == deferred; };
  checkpoint::StateSnapshot first = staging.take(tree_of(weight, moment), defer_weight);
  BOOST_TEST(first.deferred_bytes() == 12u * 4);
  first.copy_deferred();
  BOOST_TEST(at::equal(at_path(first.root(), "model", "weight"), weight));
  const void* staged = at_path(first.root(), "model", "weight").data_ptr();

  // The next save of the same shapes copies into the same memory.
  checkpoint::StateSnapshot second = staging.take(tree_of(weight, moment), defer_weight);
  BOOST_TEST(at_path(second.root(), "model", "weight").data_ptr() == staged);
  BOOST_TEST(staging.bytes_held() == 12u * 4 + 4u * 8);
}

BOOST_AUTO_TEST_CASE(a_deferred_tensor_changed_before_its_copy_is_refused) {
  const at::Tensor weight = at::arange(12, at::kFloat), moment = at::ones({4}, at::kDouble);
  checkpoint::SnapshotStaging staging;
  checkpoint::StateSnapshot snapshot = staging.take(tree_of(weight, moment), [](const at::Storage&) { return true; });
  weight.add_(1);  // as a callback changing a parameter before the optimizer step would
  BOOST_CHECK_EXCEPTION(snapshot.copy_deferred(), CheckpointError, [](const CheckpointError& e) {
    return names(e, {"changed after the save event and before it was copied", "eager"});
  });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(async_saver)

BOOST_AUTO_TEST_CASE(background_saves_leave_what_synchronous_saves_leave) {
  for (const std::string snapshot : {"lazy", "eager"}) {
    BOOST_TEST_CONTEXT("async_snapshot " << snapshot) {
      TempDir dir;
      for (int keep : {-1, 2}) {
        // Both runs save into the same folder (the saver's history, saved in
        // every checkpoint, holds its paths), one after the other.
        const fs::path a = dir.path() / ("sync" + std::to_string(keep));
        const fs::path b = dir.path() / ("async" + std::to_string(keep));
        auto sync = saving_every_batch(dir.path() / "run", false);
        auto async = saving_every_batch(dir.path() / "run", true);
        sync.num_checkpoints_to_keep = async.num_checkpoints_to_keep = keep;
        async.async_snapshot = snapshot;
        { const SixBatches synchronous(sync); }
        fs::rename(dir.path() / "run", a);
        const SixBatches background(async);
        fs::rename(dir.path() / "run", b);
        const CheckpointSaver& saver = background.saving.saver;
        BOOST_TEST(list_folder(a) == list_folder(b), boost::test_tools::per_element());
        for (const std::string& name : list_folder(a)) {
          if (name.rfind("ep", 0) != 0) continue;
          BOOST_TEST((read_bytes(a / name) == read_bytes(b / name)), name << " differs between sync and async saves");
        }
        BOOST_TEST(fs::read_symlink(b / "latest-rank0.pt").string() == "ep0-ba6-rank0.pt");
        BOOST_TEST(saver.num_saved() == 6u);
        BOOST_TEST(saver.async_stats().saves == 6u);
        // Each save is logged with its own time, not the time it was found finished.
        std::vector<std::string> saved;
        for (const std::string& line : background.logger.infos) {
          if (line.rfind("Saved checkpoint", 0) == 0) saved.push_back(line);
        }
        BOOST_REQUIRE(saved.size() == 6u);
        for (size_t i = 0; i < saved.size(); ++i) {
          BOOST_TEST(saved[i].find("ep0-ba" + std::to_string(i + 1) + "-rank0.pt' at ep0 ba" + std::to_string(i + 1)) !=
                         std::string::npos,
                     saved[i]);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_state_over_the_memory_limit_is_saved_synchronously_with_a_warning) {
  TempDir dir;
  auto options = saving_every_batch(dir.path(), true);
  options.async_memory_limit_mib = 1;
  CheckpointSaver saver(options);
  saver.attach([](const State&, bool) {
    auto model = make_dict();
    model.insert("weight", at::zeros({int64_t{2} << 20}, at::kByte));  // 2 MiB
    auto state = make_dict();
    state.insert("model", model);
    auto root = make_dict();
    root.insert("state", state);
    return c10::IValue(root);
  });
  RecordingLogger logger;
  State state = make_state("limit", "2ba", 10);
  state.logger = &logger;
  saver.on_event(Event::INIT, state);
  run_fit(state, saver, LoopShape{10, 2, 0});
  BOOST_TEST(fs::exists(dir.path() / "ep0-ba2-rank0.pt"));
  BOOST_TEST(saver.async_stats().over_memory_limit == 2u);
  BOOST_TEST(saver.async_stats().saves == 0u);
  BOOST_REQUIRE(logger.warnings.size() == 1u);  // said once, not at every save
  BOOST_TEST(names(std::runtime_error(logger.warnings[0]), {"needs 2 MiB", "async_memory_limit_mib=1", "synchronously"}));
}

// Every file below `folder`, relative, with its bytes.
std::map<std::string, std::string> tree_bytes(const fs::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file() && !entry.is_symlink()) {
      files[fs::relative(entry.path(), folder).generic_string()] = read_bytes(entry.path());
    }
  }
  return files;
}

BOOST_AUTO_TEST_CASE(sharded_background_saves_leave_what_synchronous_saves_leave) {
  TempDir dir;
  auto sync = saving_every_batch(dir.path() / "run", false);
  auto async = saving_every_batch(dir.path() / "run", true);
  sync.state_dict_type = async.state_dict_type = "sharded";
  { const SixBatches synchronous(sync); }
  fs::rename(dir.path() / "run", dir.path() / "sync");
  const SixBatches background(async);
  fs::rename(dir.path() / "run", dir.path() / "async");
  const auto expected = tree_bytes(dir.path() / "sync");
  BOOST_TEST(expected.count("ep0-ba6/.metadata") == 1u);
  BOOST_TEST(expected.count("ep0-ba6/__0_0.distcp") == 1u);
  const auto written = tree_bytes(dir.path() / "async");
  BOOST_TEST(written.size() == expected.size());
  for (const auto& [name, bytes] : expected) {
    BOOST_TEST((written.count(name) == 1 && written.at(name) == bytes), name << " differs between sync and async saves");
  }
  BOOST_TEST(fs::read_symlink(dir.path() / "async/latest-rank0.pt").string() == "ep0-ba6");
  BOOST_TEST(background.saving.saver.async_stats().saves == 6u);
}

BOOST_AUTO_TEST_CASE(a_failed_sharded_background_write_stops_fit_and_publishes_nothing) {
  TempDir dir;
  auto options = saving_every_batch(dir.path(), true);
  options.state_dict_type = "sharded";
  AsyncSaving saving(options);
  State state = make_state("failing", "3ba", 10);
  saving.saver.on_event(Event::INIT, state);
  // A disk that takes a single byte per file: the background write of the
  // data file fails.
  std::string error;
  try {
    const FileSizeLimit full_disk(1);
    run_fit(state, saving.saver, LoopShape{10, 2, 0});
  } catch (const CheckpointError& e) {
    error = e.what();
  }
  BOOST_TEST(names(std::runtime_error(error), {"sharded checkpoint", "ep0-ba1", "was not saved", "rank 0", "File too large"}));
  saving.saver.close(state);
  BOOST_TEST(!fs::exists(dir.path() / "ep0-ba1/.metadata"));
  BOOST_TEST(!fs::is_symlink(dir.path() / "latest-rank0.pt"));
}

BOOST_AUTO_TEST_CASE(snapshot_settings_are_checked) {
  auto options = saving_every_batch("/tmp", true);
  options.async_snapshot = "sometimes";
  BOOST_CHECK_EXCEPTION(CheckpointSaver{options}, ConfigError,
                        [](const ConfigError& e) { return names(e, {"async_snapshot 'sometimes'", "lazy", "eager"}); });
  options.async_snapshot = "eager";
  options.async_memory_limit_mib = -5;
  BOOST_CHECK_EXCEPTION(CheckpointSaver{options}, ConfigError,
                        [](const ConfigError& e) { return names(e, {"async_memory_limit_mib is -5"}); });
  const auto parsed = CheckpointSaverOptions::from_json(
      nlohmann::json{{"async", true}, {"async_snapshot", "eager"}, {"async_memory_limit_mib", 512}});
  BOOST_TEST(parsed.async);
  BOOST_TEST(parsed.async_snapshot == "eager");
  BOOST_TEST(parsed.async_memory_limit_mib == 512);
}

BOOST_AUTO_TEST_SUITE_END()
