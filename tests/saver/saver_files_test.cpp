// What the saver leaves on disk: the files, the latest symlink, rotation
// (scenario 16), the overwrite refusal, the INIT folder check and rank 0 only.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "core/ivalue_convert.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;
namespace fs = std::filesystem;

namespace {

struct Saving {
  explicit Saving(CheckpointSaverOptions options) : saver(std::move(options)), assembler(&saver) {
    saver.attach([this](const State& s, bool w) { return assembler(s, w); });
  }
  CheckpointSaver saver;
  CountingAssembler assembler;
};

CheckpointSaverOptions in_folder(const std::string& folder, const std::string& interval = "1ba") {
  CheckpointSaverOptions o;
  o.folder = folder;
  o.save_interval = Time::parse(interval);
  return o;
}

std::vector<std::string> checkpoint_files(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& name : list_folder(folder)) {
    if (name.rfind("ep", 0) == 0) names.push_back(name);
  }
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(saver_files)

// Scenario 16.
BOOST_DATA_TEST_CASE(rotation_keeps_the_newest, boost::unit_test::data::make({-1, 0, 1, 2, 3, 4}), keep) {
  TempDir dir;
  auto options = in_folder(dir.path().string());
  options.num_checkpoints_to_keep = keep;
  Saving s(options);
  State state = make_state("rot", "6ba", 10);
  s.saver.on_event(Event::INIT, state);
  run_fit(state, s.saver, LoopShape{10, 2, 0});
  BOOST_TEST(s.assembler.calls == 6);

  const size_t expected = keep < 0 ? 6u : size_t(keep);
  const auto files = checkpoint_files(dir.path());
  BOOST_TEST(files.size() == expected);
  // The survivors are the newest ones: ba(7-expected) .. ba6.
  for (size_t i = 0; i < files.size(); ++i) {
    BOOST_TEST(files[i] == "ep0-ba" + std::to_string(6 - expected + 1 + i) + "-rank0.pt");
  }
  BOOST_TEST(s.saver.saved_checkpoints().size() == expected);
  const fs::path latest = dir.path() / "latest-rank0.pt";
  BOOST_TEST(fs::is_symlink(latest) == (keep != 0));
  if (keep != 0) BOOST_TEST(fs::read_symlink(latest).string() == "ep0-ba6-rank0.pt");
}

BOOST_AUTO_TEST_CASE(rotation_never_touches_files_of_earlier_runs) {
  TempDir dir;
  std::ofstream(dir.path() / "ep0-ba1-rank0.pt.old-run") << "x";
  std::ofstream(dir.path() / "ep9-ba99-rank0.pt") << "from an earlier run";
  auto options = in_folder(dir.path().string());
  options.num_checkpoints_to_keep = 1;
  options.overwrite = true;  // the ba99 file is in this run's future
  Saving s(options);
  State state = make_state("rot", "3ba", 10);
  s.saver.on_event(Event::INIT, state);
  run_fit(state, s.saver, LoopShape{10, 2, 0});
  BOOST_TEST(checkpoint_files(dir.path()) ==
                 (std::vector<std::string>{"ep0-ba1-rank0.pt.old-run", "ep0-ba3-rank0.pt", "ep9-ba99-rank0.pt"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(latest_symlink_is_relative_and_follows_the_newest_save) {
  TempDir dir;
  auto options = in_folder(dir / "{run_name}/ckpts", "2ba");
  options.latest_filename = std::string("pointers/latest-rank{rank}.pt");  // a sub-folder of the folder
  Saving s(options);
  State state = make_state("sym", "6ba", 10);
  s.saver.on_event(Event::INIT, state);
  BOOST_TEST(s.saver.formatted_latest_path(state).value() == dir / "sym/ckpts/pointers/latest-rank0.pt");

  const fs::path link = dir.path() / "sym/ckpts/pointers/latest-rank0.pt";
  s.saver.on_event(Event::FIT_START, state);
  std::vector<std::string> targets;
  for (int b = 0; b < 6; ++b) {
    state.previous_timestamp = state.timestamp;
    state.timestamp.to_next_batch(2, 0, 1.0);
    s.saver.on_event(Event::BATCH_CHECKPOINT, state);
    if (fs::is_symlink(link)) targets.push_back(fs::read_symlink(link).string());
  }
  BOOST_TEST(s.assembler.calls == 3);
  BOOST_TEST(targets.back() == "../ep0-ba6-rank0.pt");
  BOOST_TEST(fs::read_symlink(link).is_relative());
  BOOST_TEST(fs::equivalent(link, dir.path() / "sym/ckpts/ep0-ba6-rank0.pt"));
  // No link before the first save; then each save moves it (seen after ba2..ba6).
  BOOST_TEST(targets == (std::vector<std::string>{"../ep0-ba2-rank0.pt", "../ep0-ba2-rank0.pt", "../ep0-ba4-rank0.pt",
                                                  "../ep0-ba4-rank0.pt", "../ep0-ba6-rank0.pt"}),
             boost::test_tools::per_element());
  // No temporary links left behind.
  BOOST_TEST(list_folder(dir.path() / "sym/ckpts/pointers") == std::vector<std::string>{"latest-rank0.pt"},
             boost::test_tools::per_element());

  // The folder can move: the link still resolves.
  fs::rename(dir.path() / "sym", dir.path() / "moved");
  const c10::IValue via_link = checkpoint::read_checkpoint(dir / "moved/ckpts/pointers/latest-rank0.pt");
  BOOST_TEST(timestamp_from_ivalue(via_link.toGenericDict().at("state").toGenericDict().at("timestamp"), "t").batch == 6);
}

BOOST_AUTO_TEST_CASE(no_latest_symlink_when_disabled) {
  TempDir dir;
  auto options = in_folder(dir.path().string());
  options.latest_filename.reset();
  Saving s(options);
  State state = make_state("nolink", "2ba", 10);
  s.saver.on_event(Event::INIT, state);
  run_fit(state, s.saver, LoopShape{10, 2, 0});
  BOOST_TEST(list_folder(dir.path()) == (std::vector<std::string>{"ep0-ba1-rank0.pt", "ep0-ba2-rank0.pt"}),
             boost::test_tools::per_element());
  BOOST_TEST(!s.saver.formatted_latest_path(state).has_value());
}

BOOST_AUTO_TEST_CASE(files_hold_what_the_assembler_built) {
  TempDir dir;
  auto options = in_folder(dir.path().string(), "1ep");
  options.filename = "{run_name}/ep{epoch}-sp{sample}.pt";
  Saving s(options);
  State state = make_state("content", "2ep", 5);
  RecordingLogger logger;
  state.logger = &logger;
  s.saver.on_event(Event::INIT, state);
  run_fit(state, s.saver, LoopShape{});
  BOOST_TEST_REQUIRE(s.saver.saved_checkpoints().size() == 2u);
  BOOST_TEST(s.saver.saved_checkpoints()[1] == dir / "content/ep2-sp20.pt");
  const c10::IValue root = checkpoint::read_checkpoint(s.saver.saved_checkpoints()[1]);
  const auto& inner = root.toGenericDict().at("state");
  const at::Tensor weight = inner.toGenericDict().at("model").toGenericDict().at("weight").toTensor();
  BOOST_TEST(at::equal(weight, at::arange(6, at::kFloat).reshape({2, 3}) + 10.0));
  const Timestamp saved = timestamp_from_ivalue(inner.toGenericDict().at("timestamp"), "file");
  BOOST_TEST(saved.epoch == 2);
  BOOST_TEST(saved.batch == 10);
  BOOST_TEST(logger.infos.size() == 2u);
  BOOST_TEST(logger.infos[1].find(dir / "content/ep2-sp20.pt") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(weights_only_reaches_the_assembler) {
  TempDir dir;
  auto options = in_folder(dir.path().string());
  options.weights_only = true;
  Saving s(options);
  State state = make_state("w", "1ba", 10);
  s.saver.on_event(Event::INIT, state);
  run_fit(state, s.saver, LoopShape{10, 2, 0});
  const c10::IValue root = checkpoint::read_checkpoint(s.saver.saved_checkpoints().at(0));
  BOOST_TEST(root.toGenericDict().size() == 1u);
  BOOST_TEST(root.toGenericDict().at("state").toGenericDict().size() == 1u);  // model only
}

BOOST_AUTO_TEST_CASE(existing_target_is_not_replaced_without_overwrite) {
  TempDir dir;
  const fs::path target = dir.path() / "ep0-ba1-rank0.pt";
  std::ofstream(target, std::ios::binary) << "precious bytes";
  Saving s(in_folder(dir.path().string()));
  State state = make_state("ow", "3ba", 10);
  s.saver.on_event(Event::INIT, state);
  state.previous_timestamp = state.timestamp;
  state.timestamp.to_next_batch(2, 0, 1.0);
  BOOST_CHECK_EXCEPTION(s.saver.on_event(Event::BATCH_CHECKPOINT, state), ConfigError, [&](const ConfigError& e) {
    const std::string m = e.what();
    return m.find(target.string()) != std::string::npos && m.find("save_overwrite") != std::string::npos;
  });
  BOOST_TEST(read_bytes(target) == "precious bytes");
  BOOST_TEST(!fs::exists(dir.path() / "latest-rank0.pt"));
  BOOST_TEST(s.saver.saved_checkpoints().empty());

  // With overwrite the same save replaces it with a real checkpoint.
  auto options = in_folder(dir.path().string());
  options.overwrite = true;
  Saving replacing(options);
  replacing.saver.on_event(Event::INIT, state);
  BOOST_TEST(replacing.saver.save_checkpoint(state) == target.string());
  BOOST_TEST(read_bytes(target) != "precious bytes");
  BOOST_CHECK_NO_THROW(checkpoint::read_checkpoint(target.string()));
}

BOOST_AUTO_TEST_CASE(unwritable_folder_fails_at_init) {
  TempDir dir;
  const fs::path file = dir.path() / "a-file";
  std::ofstream(file) << "x";
  auto is_clear = [](const std::string& folder) {
    return [folder](const ConfigError& e) {
      const std::string m = e.what();
      return m.find("save_folder '" + folder + "' is not writable (") != std::string::npos &&
             m.find("choose a folder you can write") != std::string::npos;
    };
  };
  {
    // Cannot be created: a regular file is in the way.
    const std::string folder = (file / "ckpts").string();
    Saving s(in_folder(folder));
    State state = make_state("nw", "1ep", 5);
    BOOST_CHECK_EXCEPTION(s.saver.on_event(Event::INIT, state), ConfigError, is_clear(folder));
  }
  {
    // Exists but takes no new files (even for root): the probe finds out.
    Saving s(in_folder("/proc/self"));
    State state = make_state("nw", "1ep", 5);
    BOOST_CHECK_EXCEPTION(s.saver.on_event(Event::INIT, state), ConfigError, is_clear("/proc/self"));
  }
  if (::geteuid() != 0) {
    const fs::path locked = dir.path() / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    Saving s(in_folder(locked.string()));
    State state = make_state("nw", "1ep", 5);
    BOOST_CHECK_EXCEPTION(s.saver.on_event(Event::INIT, state), ConfigError, is_clear(locked.string()));
  }
  {
    // A writable folder passes and keeps no probe file.
    Saving s(in_folder(dir / "fine/{run_name}"));
    State state = make_state("ok", "1ep", 5);
    BOOST_CHECK_NO_THROW(s.saver.on_event(Event::INIT, state));
    BOOST_TEST(list_folder(dir.path() / "fine/ok").empty());
  }
}

BOOST_AUTO_TEST_CASE(only_global_rank_zero_writes) {
  TempDir dir;
  auto options = in_folder(dir / "rank{rank}-of-{world_size}");
  options.filename = "ep{epoch}-ba{batch}-rank{rank}.pt";
  Saving s(options);
  State state = make_state("dist", "4ba", 10);
  state.dist.rank = 1;
  state.dist.local_rank = 1;
  state.dist.world_size = 2;
  state.dist.local_world_size = 2;
  s.saver.on_event(Event::INIT, state);
  run_fit(state, s.saver, LoopShape{10, 2, 0});
  // The state is assembled on every rank (assembling may need all of them)...
  BOOST_TEST(s.assembler.calls == 4);
  // ...but rank 1 makes no folder and writes no file and no link.
  BOOST_TEST(!fs::exists(dir.path() / "rank1-of-2"));
  BOOST_TEST(s.saver.saved_checkpoints().empty());
  BOOST_TEST(s.saver.save_checkpoint(state).empty());
}

BOOST_AUTO_TEST_SUITE_END()
