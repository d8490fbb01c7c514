// The state every callback plugin saves: it round-trips, a resumed run ends
// with the same plugin state as an uninterrupted one, Python's torch.load sees
// exactly the enabled plugins' keys, and the engine's rules for state that
// has no plugin, plugins that have no state, and load_ignore_keys.
#include <boost/test/unit_test.hpp>

#include <set>

#include "checkpoint/io/checkpoint_file.h"
#include "callback_fixture.h"
#include "ivalue_compare.h"

namespace cairn::test {
namespace {

struct PluginCase {
  std::string name;
  nlohmann::json config;
  // Wall-clock values, which differ between any two runs.
  std::vector<std::string> timing_fields;
};

std::vector<PluginCase> all_plugins(const std::string& jsonl_path) {
  return {
      {"SpeedMonitor", {{"window_size", 3}}, {"history_wct", "wall_clock_train"}},
      {"LRMonitor", nullptr, {}},
      {"OptimizerMonitor", {{"batch_log_interval", 2}}, {}},
      {"EarlyStopper", {{"monitor", "loss/train"}, {"patience", "100ba"}}, {}},
      {"ThresholdStopper", {{"monitor", "loss/train"}, {"threshold", -1.0}}, {}},
      {"MemoryMonitor", nullptr, {}},
      {"RuntimeEstimator", {{"skip_batches", 2}}, {"start_wct"}},
      {"JSONLLogger", {{"path", jsonl_path}}, {}},
  };
}

TrainerOptions with_all_plugins(const std::string& max_duration, const std::string& jsonl_path, uint64_t seed = 42) {
  auto o = plain_options(max_duration, seed);
  for (const auto& p : all_plugins(jsonl_path)) o.callbacks.push_back({p.name, make_callback(p.name, p.config)});
  return o;
}

std::vector<std::string> timing_globs(const std::string& jsonl_path) {
  std::vector<std::string> globs = {"state/timestamp/Timestamp/*_wct", "state/callbacks/CheckpointSaver*"};
  for (const auto& p : all_plugins(jsonl_path)) {
    for (const auto& f : p.timing_fields) globs.push_back("state/callbacks/" + p.name + "/" + f);
  }
  return globs;
}

void train(TrainerOptions options) {
  Trainer trainer(std::move(options));
  trainer.fit();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plugin_state)

BOOST_AUTO_TEST_CASE(every_callback_plugin_loads_from_the_plugin_folder) {
  for (const auto& failure : shipped_plugins().failures()) BOOST_TEST_MESSAGE(failure.file << ": " << failure.reason);
  const auto names = shipped_plugins().names(PluginKind::kCallback);
  for (const auto& p : all_plugins("unused")) {
    BOOST_TEST((std::find(names.begin(), names.end(), p.name) != names.end()), p.name << " is not registered");
  }
}

BOOST_AUTO_TEST_CASE(state_round_trips_into_a_fresh_instance) {
  TempDir dir;
  auto o = with_all_plugins("7ba", dir / "m.jsonl");
  std::vector<Named<Callback>> enabled = o.callbacks;
  train(std::move(o));
  for (const auto& p : all_plugins(dir / "m.jsonl")) {
    const auto it = std::find_if(enabled.begin(), enabled.end(), [&](const auto& c) { return c.name == p.name; });
    const c10::IValue saved = it->object->state_dict();
    BOOST_TEST(saved.isGenericDict(), p.name);
    auto fresh = make_callback(p.name, p.config);
    fresh->load_state_dict(saved);
    const std::string diff = first_difference(saved, fresh->state_dict());
    BOOST_TEST(diff.empty(), p.name << ": " << diff);
  }
}

BOOST_AUTO_TEST_CASE(a_resumed_run_ends_with_the_uninterrupted_runs_plugin_state) {
  TempDir dir;
  auto full = with_all_plugins("2ep", dir / "full.jsonl");
  full.save_folder = dir / "full";
  full.save_interval = Time(1, TimeUnit::BATCH);
  train(std::move(full));

  // A different seed: everything must come from the checkpoint.
  auto resumed = with_all_plugins("2ep", dir / "resumed.jsonl", /*seed=*/7);
  resumed.save_folder = dir / "resumed";
  resumed.save_interval = Time(1, TimeUnit::BATCH);
  resumed.load_path = dir / "full/ep0-ba4-rank0.pt";  // mid-epoch
  train(std::move(resumed));

  const auto a = checkpoint::read_checkpoint(dir / "full/ep1-ba10-rank0.pt");
  const auto b = checkpoint::read_checkpoint(dir / "resumed/ep1-ba10-rank0.pt");
  auto ignore = timing_globs("");
  for (const auto& p : all_plugins("")) {
    const std::string key = "state/callbacks/" + p.name;
    const std::string diff = first_difference(at_path(a, key), at_path(b, key), ignore, key);
    BOOST_TEST(diff.empty(), p.name << " differs at " << diff);
  }
  // And the rest of the checkpoint (weights, optimizer, RNG) too.
  const std::string diff = first_difference(a, b, ignore);
  BOOST_TEST(diff.empty(), "checkpoint differs at " << diff);
  // The state is not trivially equal: the window and the stopper's best are set.
  BOOST_TEST(at_path(a, "state/callbacks/SpeedMonitor/history_samples").toListRef().size() == 4u);
  BOOST_TEST(at_path(a, "state/callbacks/EarlyStopper/best").isDouble());
  // Lines: the loss, SpeedMonitor, LRMonitor and MemoryMonitor every batch,
  // OptimizerMonitor every 2nd, RuntimeEstimator from batch 3.
  BOOST_TEST(at_path(a, "state/callbacks/JSONLLogger/lines_written").toInt() == 4 * 10 + 5 + 8);
}

BOOST_AUTO_TEST_CASE(a_resumed_early_stopper_stops_where_the_uninterrupted_one_did) {
  // score peaks at batch 3; patience 4ba stops at batch 8. A resume from
  // batch 4 stops at 8 only if the best (batch 3) came back from the checkpoint.
  const std::vector<double> script = {1, 2, 3, 3, 3, 3, 3, 3, 3, 3};
  const nlohmann::json config = {{"monitor", "score"}, {"patience", "4ba"}};
  TempDir dir;
  auto full = plain_options("4ep");
  full.callbacks.push_back({"", std::make_shared<ScriptedMetric>("score", script)});
  full.callbacks.push_back({"EarlyStopper", make_callback("EarlyStopper", config)});
  full.save_folder = dir / "full";
  full.save_interval = Time(1, TimeUnit::BATCH);
  Trainer a(std::move(full));
  a.fit();
  BOOST_TEST(a.state().timestamp.batch == 8);

  auto resumed = plain_options("4ep", /*seed=*/7);  // everything must come from the checkpoint
  resumed.callbacks.push_back({"", std::make_shared<ScriptedMetric>("score", script)});
  resumed.callbacks.push_back({"EarlyStopper", make_callback("EarlyStopper", config)});
  resumed.load_path = dir / "full/ep0-ba4-rank0.pt";
  Trainer b(std::move(resumed));
  b.fit();
  BOOST_TEST(b.state().timestamp.batch == 8);
}

BOOST_AUTO_TEST_CASE(python_sees_exactly_the_enabled_plugins_keys) {
  TempDir dir;
  auto o = with_all_plugins("3ba", dir / "m.jsonl");
  o.callbacks.push_back({"SpeedMonitor", make_callback("SpeedMonitor", {{"window_size", 1}})});  // -> SpeedMonitor#2
  o.save_folder = dir / "ckpt";
  train(std::move(o));
  const std::string path = dir / "ckpt/ep0-ba3-rank0.pt";
  const std::string out = run_python(
      "import sys, torch\n"
      "ck = torch.load(sys.argv[1], map_location='cpu')\n"
      "cbs = ck['state']['callbacks']\n"
      "print(','.join(sorted(cbs.keys())))\n"
      "print(','.join(str(v) for v in cbs['SpeedMonitor#2']['history_samples']))\n"
      "print(type(cbs['EarlyStopper']['best']).__name__, cbs['JSONLLogger']['lines_written'])\n",
      {path});
  BOOST_TEST(out ==
             "CheckpointSaver,EarlyStopper,JSONLLogger,LRMonitor,MemoryMonitor,OptimizerMonitor,RuntimeEstimator,"
             "SpeedMonitor,SpeedMonitor#2,ThresholdStopper\n"
             "4.0,6.0\n"
             "float 17\n");
  const auto root = checkpoint::read_checkpoint(path);
  BOOST_TEST(at_path(root, "state/algorithms").toGenericDict().empty());
}

BOOST_AUTO_TEST_CASE(state_for_a_plugin_that_is_not_enabled_is_ignored_with_a_warning) {
  TempDir dir;
  auto first = plain_options("2ba");
  first.callbacks.push_back({"SpeedMonitor", make_callback("SpeedMonitor")});
  first.callbacks.push_back({"SpeedMonitor", make_callback("SpeedMonitor")});
  first.save_folder = dir / "ckpt";
  train(std::move(first));

  auto second = plain_options("4ba");
  auto logger = std::make_shared<RecordingLogger>();
  second.logger = logger;
  second.load_path = dir / "ckpt/ep0-ba2-rank0.pt";
  second.callbacks.push_back({"LRMonitor", make_callback("LRMonitor")});
  train(std::move(second));
  // One warning per orphaned instance, naming it and its key.
  BOOST_TEST(logger->count_warnings({"'SpeedMonitor'", "state/callbacks/SpeedMonitor)", "no such plugin"}) == 1u);
  BOOST_TEST(logger->count_warnings({"'SpeedMonitor#2'", "state/callbacks/SpeedMonitor#2", "no such plugin"}) == 1u);
  // LRMonitor was not in the checkpoint: it starts fresh, with a warning.
  BOOST_TEST(logger->count_warnings({"'LRMonitor'", "state/callbacks/LRMonitor", "starts fresh"}) == 1u);
}

BOOST_AUTO_TEST_CASE(load_ignore_keys_and_weights_only_leave_plugin_state_fresh) {
  TempDir dir;
  auto first = plain_options("3ba");
  first.callbacks.push_back({"SpeedMonitor", make_callback("SpeedMonitor")});
  first.callbacks.push_back({"EarlyStopper", make_callback("EarlyStopper", {{"monitor", "loss/train"}, {"patience", "9ba"}})});
  first.save_folder = dir / "ckpt";
  train(std::move(first));
  const std::string path = dir / "ckpt/ep0-ba3-rank0.pt";

  struct Case {
    std::vector<std::string> ignore;
    bool weights_only;
    bool speed_restored, stopper_restored;
  } cases[] = {{{}, false, true, true},
               {{"state/callbacks/SpeedMonitor/*"}, false, false, true},
               {{"state/callbacks/*"}, false, false, false},
               {{}, true, false, false}};
  for (const auto& c : cases) {
    auto o = plain_options("3ba");
    auto logger = std::make_shared<RecordingLogger>();
    o.logger = logger;
    auto speed = make_callback("SpeedMonitor");
    auto stopper = make_callback("EarlyStopper", {{"monitor", "loss/train"}, {"patience", "9ba"}});
    o.callbacks.push_back({"SpeedMonitor", speed});
    o.callbacks.push_back({"EarlyStopper", stopper});
    o.load_path = path;
    o.load_ignore_keys = c.ignore;
    o.load_weights_only = c.weights_only;
    Trainer trainer(std::move(o));  // loads; no training needed
    const auto fresh_speed = make_callback("SpeedMonitor")->state_dict();
    const auto fresh_stopper =
        make_callback("EarlyStopper", {{"monitor", "loss/train"}, {"patience", "9ba"}})->state_dict();
    BOOST_TEST(first_difference(speed->state_dict(), fresh_speed).empty() == !c.speed_restored);
    BOOST_TEST(first_difference(stopper->state_dict(), fresh_stopper).empty() == !c.stopper_restored);
    if (!c.ignore.empty() && c.ignore[0] == "state/callbacks/SpeedMonitor/*") {
      BOOST_TEST(logger->count_warnings({"'SpeedMonitor'", "state/callbacks/SpeedMonitor", "starts fresh"}) == 1u);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
