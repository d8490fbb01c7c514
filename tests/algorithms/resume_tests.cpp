// Every algorithm's state: it round-trips through state_dict/load_state_dict,
// a run resumed from a mid-run checkpoint ends bitwise identical to the
// uninterrupted one, state['algorithms'] holds exactly the enabled plugins
// (also for Python's torch.load), and load_exclude_algorithms /
// load_ignore_keys make a plugin start fresh.
#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "algorithm_fixtures.h"
#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "core/ivalue_convert.h"
#include "ivalue_compare.h"
#include "test_text.h"

namespace tt = boost::test_tools;

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

// Wall-clock fields and the savers' own history differ between runs by nature.
const std::vector<std::string> kNotComparable = {"state/timestamp/Timestamp/*_wct", "state/callbacks/CheckpointSaver*"};

struct ResumeCase {
  std::string name;
  nlohmann::json config;
  std::string max_duration = "2ep";
  std::string resume_from = "ep0-ba4-rank0.pt";
  std::string final_name = "ep1-ba10-rank0.pt";
};

const std::vector<ResumeCase>& resume_cases() {
  static const std::vector<ResumeCase> cases = {
      {"EMA", {{"half_life", "3ba"}}},
      {"EMA", {{"half_life", "1ep"}, {"ema_start", "1ep"}}, "3ep", "ep1-ba6-rank0.pt", "ep3-ba15-rank0.pt"},
      {"SWA",
       {{"swa_start", "3ba"},
        {"swa_end", "9ba"},
        {"update_interval", "1ba"},
        {"schedule_swa_lr", true},
        {"anneal_strategy", "cos"},
        {"anneal_steps", 3}}},
      {"GradientClipping", {{"clipping_type", "adaptive"}, {"clipping_threshold", 0.05}}},
      {"LabelSmoothing", {{"smoothing", 0.2}}},
      {"LayerFreezing", {{"freeze_start", 0.25}}, "4ep", "ep3-ba16-rank0.pt", "ep3-ba20-rank0.pt"},
      {"SAM", {{"rho", 0.1}, {"interval", 3}}},
  };
  return cases;
}

c10::IValue read_ckpt(const std::string& path) { return checkpoint::read_checkpoint(path); }

std::vector<std::string> algorithm_keys(const c10::IValue& checkpoint) {
  std::vector<std::string> keys;
  for (const auto& item : find_key(*find_key(checkpoint, "state"), "algorithms")->toGenericDict())
    keys.push_back(item.key().toStringRef());
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Trains with the case's algorithm, saving every 2 batches into `folder`.
std::shared_ptr<Algorithm> train(const ResumeCase& c, const std::string& folder, uint64_t seed,
                                 std::optional<std::string> load_path = std::nullopt) {
  auto options = make_options(c.max_duration, seed);
  options.save_folder = folder;
  options.save_interval = Time::parse("2ba");
  options.load_path = std::move(load_path);
  auto algorithm = make_algorithm(c.name, c.config);
  options.algorithms.push_back({c.name, algorithm});
  Trainer trainer(std::move(options));
  trainer.fit();
  return algorithm;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(algorithm_state)

BOOST_AUTO_TEST_CASE(resumed_runs_match_uninterrupted_runs_bitwise) {
  for (const auto& c : resume_cases()) {
    BOOST_TEST_CONTEXT(c.name << " " << c.config.dump() << " resumed from " << c.resume_from) {
      TempDir dir;
      const auto full_algorithm = train(c, dir / "full", 42);
      BOOST_TEST_REQUIRE(fs::exists(dir / ("full/" + c.resume_from)));
      // A different seed: everything must come from the checkpoint.
      const auto resumed_algorithm = train(c, dir / "resumed", 7, dir / ("full/" + c.resume_from));

      const auto a = read_ckpt(dir / ("full/" + c.final_name));
      const auto b = read_ckpt(dir / ("resumed/" + c.final_name));
      BOOST_TEST(algorithm_keys(a) == std::vector<std::string>{c.name}, tt::per_element());
      const std::string diff = first_difference(a, b, kNotComparable);
      BOOST_TEST(diff.empty(), c.final_name << " differs at " << diff);
      BOOST_TEST(first_difference(full_algorithm->state_dict(), resumed_algorithm->state_dict()).empty());
      // The state resumed from is not a fresh instance's (unless the plugin is
      // stateless), so restoring it mattered.
      const auto start = read_ckpt(dir / ("full/" + c.resume_from));
      const auto* saved = find_key(*find_key(*find_key(start, "state"), "algorithms"), c.name);
      BOOST_TEST_REQUIRE(saved != nullptr);
      if (saved->toGenericDict().size() > 0) {
        BOOST_TEST(!first_difference(*saved, make_algorithm(c.name, c.config)->state_dict()).empty());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(state_round_trips_through_load_state_dict) {
  for (const auto& c : resume_cases()) {
    BOOST_TEST_CONTEXT(c.name << " " << c.config.dump()) {
      TempDir dir;
      const auto trained = train(c, dir / "run", 42);
      const c10::IValue saved = trained->state_dict();
      // A fresh instance in a fresh trainer (INIT has run) takes the state back.
      auto options = make_options(c.max_duration, 9);
      auto fresh = make_algorithm(c.name, c.config);
      options.algorithms.push_back({c.name, fresh});
      Trainer trainer(std::move(options));
      fresh->load_state_dict(saved);
      const std::string diff = first_difference(saved, fresh->state_dict());
      BOOST_TEST(diff.empty(), "differs at " << diff);
      // An empty dict (what load_ignore_keys "state/algorithms/X/*" leaves) is a fresh start, not an error.
      auto other = make_algorithm(c.name, c.config);
      other->load_state_dict(c10::IValue(make_dict()));
    }
  }
}

BOOST_AUTO_TEST_CASE(damaged_state_is_a_clear_error) {
  auto options = make_options("1ep");
  auto ema = make_algorithm("EMA", {{"half_life", "3ba"}});
  options.algorithms.push_back({"EMA", ema});
  Trainer trainer(std::move(options));
  auto bad = make_dict();
  bad.insert("num_updates", std::string("three"));
  std::string message = error_text<CheckpointError>([&] { ema->load_state_dict(bad); });
  BOOST_TEST(contains(message, "algorithm EMA"), message);
  BOOST_TEST(contains(message, "num_updates"), message);
  auto wrong_model = make_dict();
  auto weights = make_dict();
  weights.insert("fc1.weight", torch::zeros({2, 2}));
  wrong_model.insert("ema_model", weights);
  message = error_text<CheckpointError>([&] { ema->load_state_dict(wrong_model); });
  BOOST_TEST(contains(message, "ema_model"), message);
}

BOOST_AUTO_TEST_CASE(exclude_and_ignore_make_a_plugin_start_fresh) {
  TempDir dir;
  {
    auto options = make_options("2ep");
    options.save_folder = dir / "ck";
    options.save_interval = Time::parse("2ba");
    options.algorithms.push_back({"EMA", make_algorithm("EMA", {{"half_life", "3ba"}})});
    options.algorithms.push_back({"SAM", make_algorithm("SAM", nullptr)});
    Trainer trainer(std::move(options));
    trainer.fit();
  }
  struct Case {
    std::vector<std::string> exclude, ignore;
    bool ema_restored, sam_restored;
  };
  for (const Case& c : {Case{{"E*"}, {}, false, true}, Case{{"SAM"}, {}, true, false},
                        Case{{}, {"state/algorithms/EMA/*"}, false, true},
                        Case{{}, {"state/algorithms/SAM"}, true, false}, Case{{}, {}, true, true}}) {
    BOOST_TEST_CONTEXT("exclude " << c.exclude.size() << " ignore " << c.ignore.size()) {
      auto options = make_options("2ep", 7);
      options.load_path = dir / "ck/ep0-ba4-rank0.pt";
      options.load_exclude_algorithms = c.exclude;
      options.load_ignore_keys = c.ignore;
      auto ema = make_algorithm("EMA", {{"half_life", "3ba"}});
      auto sam = make_algorithm("SAM", nullptr);
      options.algorithms.push_back({"EMA", ema});
      options.algorithms.push_back({"SAM", sam});
      Trainer trainer(std::move(options));
      const auto ema_state = ema->state_dict().toGenericDict();
      BOOST_TEST(ema_state.at("num_updates").toInt() == (c.ema_restored ? 4 : 0));
      BOOST_TEST(ema_state.at("ema_started").toBool() == c.ema_restored);
      BOOST_TEST(sam->state_dict().toGenericDict().at("global_step").toInt() == (c.sam_restored ? 4 : 0));
      // The model itself is restored either way.
      BOOST_TEST(trainer.state().timestamp.batch == 4);
    }
  }
}

BOOST_AUTO_TEST_CASE(python_torch_load_sees_exactly_the_enabled_algorithms) {
  TempDir dir;
  auto options = make_options("1ep");
  options.save_folder = dir / "ck";
  for (const auto& c : resume_cases()) {
    const bool taken = std::any_of(options.algorithms.begin(), options.algorithms.end(),
                                   [&](const Named<Algorithm>& a) { return a.name == c.name; });
    if (!taken) options.algorithms.push_back({c.name, make_algorithm(c.name, c.config)});
  }
  // A second instance of a plugin is stored under its own instance name.
  options.algorithms.push_back(
      {"GradientClipping#2",
       make_algorithm("GradientClipping", {{"clipping_type", "value"}, {"clipping_threshold", 1.0}})});
  {
    Trainer trainer(std::move(options));
    trainer.fit();
  }
  const std::string script = R"(
import sys, torch
ckpt = torch.load(sys.argv[1], map_location="cpu")
algorithms = ckpt["state"]["algorithms"]
print(",".join(sorted(algorithms.keys())))
ema = algorithms["EMA"]
print(",".join(sorted(ema.keys())))
print(type(ema["ema_model"]["fc1.weight"]).__name__, ema["num_updates"], ema["ema_weights_active"])
print(torch.equal(ema["ema_model"]["fc1.weight"], ckpt["state"]["model"]["fc1.weight"]))
print(",".join(sorted(algorithms["LayerFreezing"].keys())), algorithms["SAM"]["global_step"])
print(algorithms["GradientClipping#2"], algorithms["SWA"]["n_averaged"], algorithms["SWA"]["swa_completed"])
)";
  const std::string out = run_python(script, {dir / "ck/ep1-ba5-rank0.pt"});
  const std::string expected =
      "EMA,GradientClipping,GradientClipping#2,LabelSmoothing,LayerFreezing,SAM,SWA\n"
      "ema_model,ema_started,ema_weights_active,num_updates,smoothing,training_model\n"
      "Tensor 5 True\n"
      "True\n"
      "frozen_parameters,layers_frozen,percentage_frozen 5\n"
      "{} 3 False\n";
  BOOST_TEST(out == expected);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
