// The CLI's pure parts: NAME[=JSON], flags + config file -> FitSpec,
// inspect's report over a hand-built checkpoint, the progress line.
#define BOOST_TEST_MODULE cli_unit_tests
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <ATen/ATen.h>

#include "cairn/errors.h"
#include "cairn/state.h"
#include "cli/fit_options.h"
#include "cli/inspect_report.h"
#include "cli/name_json.h"
#include "cli/progress_bar.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using cairn::ConfigError;
using namespace cairn::cli;

namespace {

// True when `fn` throws ConfigError whose message contains every one of `needles`.
template <typename Fn>
bool config_error_mentions(Fn fn, std::initializer_list<std::string> needles) {
  try {
    fn();
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    for (const auto& n : needles) {
      if (message.find(n) == std::string::npos) {
        BOOST_TEST_MESSAGE("message lacks '" << n << "': " << message);
        return false;
      }
    }
    if (message.find('\n') != std::string::npos) {
      BOOST_TEST_MESSAGE("message spans lines: " << message);
      return false;
    }
    return true;
  }
  BOOST_TEST_MESSAGE("no ConfigError thrown");
  return false;
}

// Writes `text` to `name` in `dir`; its path.
std::string write_in(const TempDir& dir, const std::string& name, const std::string& text) {
  write_file(dir / name, text);
  return dir / name;
}

FitSpec parse(const std::vector<std::string>& args) {
  std::ostringstream help;
  auto spec = parse_fit_command_line(args, help);
  BOOST_REQUIRE(spec.has_value());
  return *spec;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(name_json)

BOOST_AUTO_TEST_CASE(name_alone_has_null_config) {
  const NamedConfig c = parse_name_json("--model", "mlp");
  BOOST_TEST(c.name == "mlp");
  BOOST_TEST(c.config.is_null());
}

BOOST_AUTO_TEST_CASE(name_with_json_object) {
  const NamedConfig c = parse_name_json("--model", R"(mlp={"hidden": 32, "layers": [1, 2]})");
  BOOST_TEST(c.name == "mlp");
  BOOST_TEST(c.config.at("hidden").get<int>() == 32);
  BOOST_TEST(c.config.at("layers").size() == 2u);
}

BOOST_AUTO_TEST_CASE(invalid_json_names_flag_and_parser_complaint) {
  BOOST_TEST(config_error_mentions([] { parse_name_json("--model", "mlp={\"hidden\": "); },
                                   {"--model", "mlp", "invalid JSON", "parse error"}));
  BOOST_TEST(config_error_mentions([] { parse_name_json("--data", "synthetic=[1,2]"); },
                                   {"--data", "must be a JSON object"}));
  BOOST_TEST(config_error_mentions([] { parse_name_json("--callback", "={}"); }, {"--callback", "name is empty"}));
  BOOST_TEST(config_error_mentions([] { parse_name_json("--callback", "Foo {}"); }, {"--callback", "NAME=JSON"}));
}

BOOST_AUTO_TEST_CASE(config_file_forms) {
  BOOST_TEST(named_config_from_json("x", "mlp").name == "mlp");
  const NamedConfig c = named_config_from_json("x", {{"name", "mlp"}, {"config", {{"hidden", 8}}}});
  BOOST_TEST(c.config.at("hidden").get<int>() == 8);
  BOOST_TEST(config_error_mentions([] { named_config_from_json("'model' in f.json", {{"nme", "mlp"}}); },
                                   {"'model' in f.json", "nme"}));
  BOOST_TEST(config_error_mentions([] { named_config_from_json("'model' in f.json", 3); }, {"'model' in f.json"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fit_flags)

BOOST_AUTO_TEST_CASE(defaults_follow_composer) {
  const FitSpec spec = parse({"--model", "mlp", "--data", "synthetic"});
  BOOST_TEST(spec.trainer.max_duration == "1ep");
  BOOST_TEST(!spec.trainer.save_folder.has_value());
  BOOST_TEST(spec.trainer.save_filename == "ep{epoch}-ba{batch}-rank{rank}.pt");
  BOOST_TEST(*spec.trainer.save_latest_filename == "latest-rank{rank}.pt");
  BOOST_TEST(std::get<cairn::Time>(spec.trainer.save_interval).to_string() == "1ep");
  BOOST_TEST(spec.trainer.load_strict_model_weights);
  BOOST_TEST(spec.trainer.save_num_checkpoints_to_keep == -1);
  BOOST_TEST(spec.optimizer.name == "SGD");
  BOOST_TEST(spec.optimizer.config.at("lr").get<double>() == 0.1);
}

BOOST_AUTO_TEST_CASE(every_flag_reaches_trainer_options) {
  const FitSpec spec = parse({"--model", "mlp={\"hidden\": 4}", "--data", "synthetic", "--max-duration", "3ep",
                              "--run-name", "r", "--seed", "42", "--device", "cpu", "--save-folder", "ck",
                              "--save-filename", "ep{epoch}.pt.gz", "--save-latest-filename", "none",
                              "--save-interval", "2", "--save-overwrite", "--save-weights-only",
                              "--save-num-checkpoints-to-keep", "-1", "--save-ignore-keys", "state/rng",
                              "--save-ignore-keys", "rng", "--load-path", "a.pt", "--load-object-store",
                              "s3={\"bucket\": \"b\"}", "--load-weights-only", "--no-load-strict-model-weights",
                              "--load-ignore-keys", "state/optimizers/*", "--load-exclude-algorithms", "Alibi",
                              "--autoresume", "--plugin-dir", "/p1", "--plugin-dir", "/p2", "--optimizer",
                              "adam={\"lr\": 0.01}", "--scheduler", "steplr={\"step_size\": 2}", "--callback",
                              "A", "--callback", "A={\"x\": 1}", "--algorithm", "B"});
  const auto& t = spec.trainer;
  BOOST_TEST(spec.model.config.at("hidden").get<int>() == 4);
  BOOST_TEST(t.max_duration == "3ep");
  BOOST_TEST(*t.run_name == "r");
  BOOST_TEST(*t.seed == 42u);
  BOOST_TEST(*t.save_folder == "ck");
  BOOST_TEST(t.save_filename == "ep{epoch}.pt.gz");
  BOOST_TEST(!t.save_latest_filename.has_value());
  BOOST_TEST(std::get<cairn::Time>(t.save_interval).to_string() == "2ep");
  BOOST_TEST(t.save_overwrite);
  BOOST_TEST(t.save_weights_only);
  BOOST_TEST(t.save_num_checkpoints_to_keep == -1);
  BOOST_TEST((t.save_ignore_keys == std::vector<std::string>{"state/rng", "rng"}));
  BOOST_TEST(*t.load_path == "a.pt");
  BOOST_TEST(*t.load_object_store == "s3");
  BOOST_TEST(nlohmann::json::parse(t.load_object_store_config).at("bucket") == "b");
  BOOST_TEST(t.load_weights_only);
  BOOST_TEST(!t.load_strict_model_weights);
  BOOST_TEST((t.load_ignore_keys == std::vector<std::string>{"state/optimizers/*"}));
  BOOST_TEST((t.load_exclude_algorithms == std::vector<std::string>{"Alibi"}));
  BOOST_TEST(t.autoresume);
  BOOST_TEST((spec.plugin_dirs == std::vector<std::string>{"/p1", "/p2"}));
  BOOST_TEST(spec.optimizer.name == "adam");
  BOOST_TEST(spec.schedulers.size() == 1u);
  BOOST_TEST(spec.callbacks.size() == 2u);
  BOOST_TEST(spec.callbacks[1].config.at("x").get<int>() == 1);
  BOOST_TEST(spec.algorithms.at(0).name == "B");
}

BOOST_AUTO_TEST_CASE(save_interval_accepts_time_strings) {
  const FitSpec spec = parse({"--model", "m", "--data", "d", "--save-interval", "500ba"});
  const auto interval = std::get<cairn::Time>(spec.trainer.save_interval);
  BOOST_TEST(interval.count() == 500);
  BOOST_TEST((interval.unit() == cairn::TimeUnit::BATCH));
}

BOOST_AUTO_TEST_CASE(bad_flags_are_config_errors_naming_the_flag) {
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--max-duration", "10xyz"}); },
                                   {"--max-duration", "10xyz"}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--save-interval", "often"}); },
                                   {"--save-interval", "often"}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--seed", "abc"}); },
                                   {"--seed", "abc"}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--seed", "-3"}); }, {"--seed"}));
  BOOST_TEST(config_error_mentions([] { parse({"--data", "d"}); }, {"--model"}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m"}); }, {"--data"}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--no-such-flag"}); },
                                   {"no-such-flag"}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--model", "n", "--data", "d"}); }, {"model"}));
  BOOST_TEST(config_error_mentions(
      [] { parse({"--model", "m", "--data", "d", "--load-strict-model-weights", "--no-load-strict-model-weights"}); },
      {"load-strict-model-weights"}));
}

BOOST_AUTO_TEST_CASE(evaluation_flags_take_composers_defaults_and_values) {
  const FitSpec none = parse({"--model", "m", "--data", "d"});
  BOOST_TEST(none.eval_data.name.empty());
  BOOST_TEST(std::get<cairn::Time>(none.trainer.eval_interval).to_string() == "1ep");
  BOOST_TEST(none.trainer.eval_subset_num_batches == -1);

  const FitSpec spec = parse({"--model", "m", "--data", "d", "--eval-data", "synthetic={\"samples\": 64}",
                              "--eval-interval", "5ba", "--eval-subset-num-batches", "2"});
  BOOST_TEST(spec.eval_data.name == "synthetic");
  BOOST_TEST(spec.eval_data.config.at("samples").get<int>() == 64);
  BOOST_TEST(std::get<cairn::Time>(spec.trainer.eval_interval).to_string() == "5ba");
  BOOST_TEST(spec.trainer.eval_subset_num_batches == 2);
  for (const auto& [given, means] : std::vector<std::pair<std::string, std::string>>{
           {"2", "2ep"}, {"0.5dur", "0.5dur"}, {"0", "0ep"}}) {
    const FitSpec s = parse({"--model", "m", "--data", "d", "--eval-data", "e", "--eval-interval", given});
    BOOST_TEST(std::get<cairn::Time>(s.trainer.eval_interval).to_string() == means, given);
  }

  TempDir dir;
  const std::string path = write_in(dir, "run.json", R"({"model": "m", "data": "d", "eval_data": "e",
    "eval_interval": 3, "eval_subset_num_batches": -1})");
  const FitSpec from_file = parse({"--config", path});
  BOOST_TEST(from_file.eval_data.name == "e");
  BOOST_TEST(std::get<cairn::Time>(from_file.trainer.eval_interval).to_string() == "3ep");
  BOOST_TEST(from_file.trainer.eval_subset_num_batches == -1);
}

BOOST_AUTO_TEST_CASE(bad_evaluation_flags_are_named) {
  const std::vector<std::string> base = {"--model", "m", "--data", "d", "--eval-data", "e"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args = base;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  BOOST_TEST(config_error_mentions([&] { parse(with({"--eval-interval", "64sp"})); },
                                   {"--eval-interval", "'64sp'", "ep, ba or dur"}));
  BOOST_TEST(config_error_mentions([&] { parse(with({"--eval-interval", "often"})); }, {"--eval-interval", "often"}));
  BOOST_TEST(config_error_mentions([&] { parse(with({"--eval-interval", "-1"})); }, {"--eval-interval"}));
  BOOST_TEST(config_error_mentions([&] { parse(with({"--eval-subset-num-batches", "0"})); },
                                   {"--eval-subset-num-batches", "is 0", "-1"}));
  BOOST_TEST(config_error_mentions([&] { parse(with({"--eval-subset-num-batches", "-2"})); },
                                   {"--eval-subset-num-batches", "-2"}));
  BOOST_TEST(config_error_mentions([&] { parse(with({"--eval-subset-num-batches", "all"})); },
                                   {"--eval-subset-num-batches", "all"}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--eval-data", "e={"}); },
                                   {"--eval-data", "JSON"}));
  // Without evaluation data they would do nothing.
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--eval-interval", "2"}); },
                                   {"--eval-interval", "--eval-data"}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--eval-subset-num-batches", "4"}); },
                                   {"--eval-subset-num-batches", "--eval-data"}));
}

BOOST_AUTO_TEST_CASE(help_returns_nothing_and_lists_every_flag) {
  std::ostringstream help;
  BOOST_TEST(!parse_fit_command_line({"--help"}, help).has_value());
  for (const char* flag : {"--max-duration", "--save-latest-filename", "--load-object-store", "--autoresume",
                           "--no-load-strict-model-weights", "--plugin-dir", "--config", "--eval-data",
                           "--eval-interval", "--eval-subset-num-batches"}) {
    BOOST_TEST(help.str().find(flag) != std::string::npos, flag);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config_file)

BOOST_AUTO_TEST_CASE(load_key_prefix_map_takes_old_equals_new_rules) {
  const FitSpec spec = parse({"--model", "m", "--data", "d", "--load-key-prefix-map", "module.=",
                              "--load-key-prefix-map", "a.b=c"});
  using Rules = std::vector<std::pair<std::string, std::string>>;
  BOOST_TEST((spec.trainer.load_key_prefix_map == Rules{{"module.", ""}, {"a.b", "c"}}));
  TempDir dir;
  const std::string path = write_in(dir, "run.json", R"({"model": "m", "data": "d", "load_key_prefix_map": ["module.=net."]})");
  const FitSpec from_file = parse({"--config", path});
  BOOST_TEST((from_file.trainer.load_key_prefix_map == Rules{{"module.", "net."}}));
  BOOST_TEST(config_error_mentions([] { parse({"--model", "m", "--data", "d", "--load-key-prefix-map", "module."}); },
                                   {"--load-key-prefix-map", "module.", "OLD=NEW"}));
}

BOOST_AUTO_TEST_CASE(file_settings_apply_and_flags_override_them) {
  TempDir dir;
  const std::string path = write_in(dir, "run.json", R"({
    "model": {"name": "mlp", "config": {"hidden": 16}},
    "data": "synthetic",
    "max_duration": 2,
    "save_folder": "from-file",
    "save_interval": "1ep",
    "save_overwrite": true,
    "save_latest_filename": null,
    "seed": 7,
    "callbacks": [{"name": "A", "config": {"k": 1}}, "B"],
    "load_strict_model_weights": false,
    "load_ignore_keys": ["rng"]
  })");
  const FitSpec spec = parse({"--config", path, "--save-folder", "from-flag", "--max-duration", "3ep"});
  BOOST_TEST(spec.model.config.at("hidden").get<int>() == 16);
  BOOST_TEST(spec.data.name == "synthetic");
  BOOST_TEST(spec.trainer.max_duration == "3ep");
  BOOST_TEST(*spec.trainer.save_folder == "from-flag");
  BOOST_TEST(spec.trainer.save_overwrite);
  BOOST_TEST(!spec.trainer.save_latest_filename.has_value());
  BOOST_TEST(*spec.trainer.seed == 7u);
  BOOST_TEST(spec.callbacks.size() == 2u);
  BOOST_TEST(spec.callbacks[1].name == "B");
  BOOST_TEST(!spec.trainer.load_strict_model_weights);
  BOOST_TEST(spec.origin_of("save_folder") == "--save-folder");
  BOOST_TEST(spec.origin_of("seed") == "'seed' in " + path);

  const FitSpec without_override = parse({"--config", path});
  BOOST_TEST(without_override.trainer.max_duration == "2ep");  // integers are epochs, as in Composer
  BOOST_TEST(*without_override.trainer.save_folder == "from-file");
}

BOOST_AUTO_TEST_CASE(a_list_flag_replaces_the_files_list) {
  TempDir dir;
  const std::string path = write_in(dir, "run.json", R"({"model": "m", "data": "d", "callbacks": ["A", "B"]})");
  const FitSpec spec = parse({"--config", path, "--callback", "C"});
  BOOST_TEST(spec.callbacks.size() == 1u);
  BOOST_TEST(spec.callbacks[0].name == "C");
}

BOOST_AUTO_TEST_CASE(file_errors_name_file_and_key) {
  TempDir dir;
  const std::string unknown = write_in(dir, "u.json", R"({"model": "m", "data": "d", "save_foldr": "x"})");
  BOOST_TEST(config_error_mentions([&] { parse({"--config", unknown}); }, {unknown, "unknown key 'save_foldr'"}));
  const std::string wrong_type = write_in(dir, "t.json", R"({"model": "m", "data": "d", "save_overwrite": "yes"})");
  BOOST_TEST(config_error_mentions([&] { parse({"--config", wrong_type}); }, {"'save_overwrite' in", "true or false"}));
  const std::string bad_time = write_in(dir, "b.json", R"({"model": "m", "data": "d", "max_duration": "10xyz"})");
  BOOST_TEST(config_error_mentions([&] { parse({"--config", bad_time}); }, {"'max_duration' in", "10xyz"}));
  const std::string not_json = write_in(dir, "n.json", "{\"model\": ");
  BOOST_TEST(config_error_mentions([&] { parse({"--config", not_json}); }, {not_json, "not valid JSON"}));
  const std::string array = write_in(dir, "a.json", "[1]");
  BOOST_TEST(config_error_mentions([&] { parse({"--config", array}); }, {array, "JSON object"}));
  BOOST_TEST(config_error_mentions([&] { parse({"--config", (dir.path() / "missing.json").string()}); },
                                   {"missing.json", "cannot read"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(inspect_report)

namespace {

c10::IValue sample_checkpoint(bool weights_only) {
  auto model = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  model.insert("fc.weight", at::zeros({4, 3}, at::kFloat));  // 48 bytes
  model.insert("fc.bias", at::zeros({4}, at::kDouble));      // 32 bytes
  auto metadata = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  metadata.insert("cairn_version", std::string("0.1.0"));
  metadata.insert("torch_version", std::string("1.13.1"));
  auto state = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  state.insert("model", model);
  if (!weights_only) {
    auto counters = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
    counters.insert("epoch", int64_t(3));
    counters.insert("batch", int64_t(96));
    auto timestamp = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
    timestamp.insert("Timestamp", counters);
    auto callbacks = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
    callbacks.insert("SpeedMonitor", c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get()));
    state.insert("timestamp", timestamp);
    state.insert("callbacks", callbacks);
    state.insert("rank_zero_seed", int64_t(42));
    state.insert("run_name", std::string("sample"));
  }
  state.insert("metadata", metadata);
  auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  root.insert("state", state);
  if (!weights_only) {
    c10::impl::GenericList rng(c10::AnyType::get());
    auto rank0 = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
    rank0.insert("torch", at::zeros({5056}, at::kByte));
    rng.push_back(rank0);
    root.insert("rng", rng);
  }
  return root;
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_checkpoint_report) {
  const nlohmann::json r = describe_checkpoint(sample_checkpoint(false), "x.pt");
  BOOST_TEST(r.at("top_level_keys") == nlohmann::json({"state", "rng"}));
  BOOST_TEST(r.at("state_keys") ==
             nlohmann::json({"model", "timestamp", "callbacks", "rank_zero_seed", "run_name", "metadata"}));
  BOOST_TEST(r.at("timestamp").at("epoch").get<int>() == 3);
  BOOST_TEST(r.at("run_name") == "sample");
  BOOST_TEST(r.at("rank_zero_seed").get<int>() == 42);
  BOOST_TEST(r.at("metadata").at("torch_version") == "1.13.1");
  BOOST_TEST(r.at("callbacks") == nlohmann::json({"SpeedMonitor"}));
  BOOST_TEST(r.at("algorithms").empty());
  BOOST_TEST(r.at("sections").at("model").at("tensors").get<int>() == 2);
  BOOST_TEST(r.at("sections").at("model").at("bytes").get<int>() == 80);
  BOOST_TEST(r.at("sections").at("rng").at("bytes").get<int>() == 5056);
  BOOST_TEST(r.at("sections").at("timestamp").at("tensors").get<int>() == 0);

  const std::string text = format_checkpoint_report(r);
  for (const char* needle : {"top-level keys:  state, rng", "run name:        sample", "epoch=3",
                             "callback state:  SpeedMonitor", "torch_version: 1.13.1", "4.9 KiB"}) {
    BOOST_TEST(text.find(needle) != std::string::npos, needle << " in\n" << text);
  }
  // Sections that hold tensors, in the checkpoint's order, rng last; empty
  // ones (timestamp, metadata) and empty lists (algorithm state) are noise.
  BOOST_TEST(text.find("  model ") < text.find("  rng "));
  BOOST_TEST(text.find("  timestamp ") == std::string::npos, text);
  BOOST_TEST(text.find("algorithm state") == std::string::npos, text);
  BOOST_TEST(text.find("(none)") == std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(a_bare_state_dict_is_reported_as_a_torch_save_file) {
  auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  root.insert("fc.weight", at::zeros({4, 3}));
  root.insert("fc.bias", at::zeros({4}, at::kDouble));
  root.insert("note", std::string("no run state here"));
  const nlohmann::json r = describe_checkpoint(root, "weights.pt");
  BOOST_TEST(r.at("format") == "torch.save");
  BOOST_TEST(r.at("top_level_keys") == nlohmann::json({"fc.weight", "fc.bias", "note"}));
  BOOST_TEST(r.at("timestamp").is_null());
  BOOST_TEST(r.at("sections").at("fc.weight").at("bytes").get<int>() == 48);
  BOOST_TEST(r.at("tensors").size() == 2u);
  const std::string text = format_checkpoint_report(r);
  for (const char* needle : {"not a Composer checkpoint", "fc.weight  float32   [4, 3]", "fc.bias    float64   [4]"}) {
    BOOST_TEST(text.find(needle) != std::string::npos, needle << " in\n" << text);
  }
  BOOST_TEST(text.find("run name") == std::string::npos, text);

  // A top level that is not a dict is one section.
  const nlohmann::json list = describe_checkpoint(c10::IValue(std::vector<at::Tensor>{at::zeros({2})}), "list.pt");
  BOOST_TEST(list.at("sections").at(kTopLevelSection).at("tensors").get<int>() == 1);
  BOOST_TEST(format_checkpoint_report(list).find("[0]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tensors_are_listed_with_dtype_and_shape) {
  const nlohmann::json r = describe_checkpoint(sample_checkpoint(false), "x.pt");
  const nlohmann::json& tensors = r.at("tensors");
  BOOST_TEST_REQUIRE(tensors.size() == 3u);
  BOOST_TEST(tensors[0] == nlohmann::json({{"name", "model.fc.weight"}, {"dtype", "float32"}, {"shape", {4, 3}}}));
  BOOST_TEST(tensors[1] == nlohmann::json({{"name", "model.fc.bias"}, {"dtype", "float64"}, {"shape", {4}}}));
  BOOST_TEST(tensors[2] == nlohmann::json({{"name", "rng[0].torch"}, {"dtype", "uint8"}, {"shape", {5056}}}));
  const std::string text = format_checkpoint_report(r);
  BOOST_TEST(text.find("model.fc.weight  float32   [4, 3]") != std::string::npos, text);
  BOOST_TEST(text.find("rng[0].torch     uint8     [5056]") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(many_tensors_are_summarised_unless_all_are_asked_for) {
  auto model = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  for (int i = 0; i < 20; ++i) model.insert("layer" + std::to_string(i) + ".weight", at::zeros({2}, at::kFloat));
  auto state = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  state.insert("model", model);
  auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  root.insert("state", state);
  const nlohmann::json r = describe_checkpoint(root, "big.pt");
  BOOST_TEST(r.at("tensors").size() == 20u);
  const std::string summary = format_checkpoint_report(r);
  BOOST_TEST(summary.find("layer7.weight") != std::string::npos, summary);
  BOOST_TEST(summary.find("layer8.weight") == std::string::npos, summary);
  BOOST_TEST(summary.find("... and 12 more (cairn inspect --tensors lists every tensor)") != std::string::npos, summary);
  const std::string all = format_checkpoint_report(r, /*all_tensors=*/true);
  BOOST_TEST(all.find("layer19.weight") != std::string::npos, all);
  BOOST_TEST(all.find("more (cairn inspect --tensors") == std::string::npos, all);
}

BOOST_AUTO_TEST_CASE(weights_only_checkpoint_report) {
  const nlohmann::json r = describe_checkpoint(sample_checkpoint(true), "w.pt");
  BOOST_TEST(r.at("top_level_keys") == nlohmann::json({"state"}));
  BOOST_TEST(r.at("timestamp").is_null());
  BOOST_TEST(r.at("run_name").is_null());
  BOOST_TEST(!r.at("sections").contains("rng"));
  BOOST_TEST(format_checkpoint_report(r).find("(not stored)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(composer_algorithms_list_is_named) {
  auto state = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  c10::impl::GenericList algorithms(c10::AnyType::get());
  algorithms.push_back(c10::ivalue::Tuple::create({std::string("Alibi"), c10::IValue()}));
  state.insert("algorithms", algorithms);
  auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  root.insert("state", state);
  BOOST_TEST(describe_checkpoint(root, "c.pt").at("algorithms") == nlohmann::json({"Alibi"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(terminal_line_and_plain_epoch_lines) {
  cairn::State state;
  state.max_duration = cairn::Time(2, cairn::TimeUnit::EPOCH);
  state.dataloader_len = 32;
  state.train_metrics["loss/train"] = 0.43214;

  std::ostringstream tty;
  ProgressBar bar(tty, true);
  state.timestamp.batch_in_epoch = 16;
  state.timestamp.batch = 16;
  bar.on_event(cairn::Event::BATCH_END, state);
  // Half the epoch, a quarter of max_duration; 16 batches in 4 s, so 12 s left.
  BOOST_TEST(bar.render(state, 4.0) == "epoch 1/2 [#####.....] 16/32ba 25% of 2ep 4.00ba/s 00:04<00:12 loss 0.43214");
  BOOST_TEST(tty.str() == "\repoch 1/2 [#####.....] 16/32ba 25% of 2ep 00:00<00:00 loss 0.43214\033[K");
  bar.clear_line();
  BOOST_TEST(tty.str().substr(tty.str().size() - 4) == "\r\033[K");

  std::ostringstream log;
  ProgressBar plain(log, false);
  state.timestamp.batch_in_epoch = 32;
  state.timestamp.batch = 32;
  plain.on_event(cairn::Event::BATCH_END, state);
  BOOST_TEST(log.str().empty());  // only epoch ends are printed off a terminal
  state.timestamp.to_next_epoch();
  plain.on_event(cairn::Event::EPOCH_END, state);
  plain.on_event(cairn::Event::FIT_END, state);  // the epoch's line was the final state
  BOOST_TEST(log.str() == "epoch 1/2 [##########] 32/32ba 50% of 2ep 00:00<00:00 loss 0.43214\n");
}

BOOST_AUTO_TEST_CASE(a_narrow_terminal_drops_the_least_important_parts_first) {
  cairn::State state;
  state.max_duration = cairn::Time(2, cairn::TimeUnit::EPOCH);
  state.dataloader_len = 32;
  state.train_metrics["loss/train"] = 0.43214;
  state.timestamp.batch_in_epoch = 16;
  state.timestamp.batch = 16;
  std::ostringstream out;
  ProgressBar bar(out, true);
  bar.on_event(cairn::Event::BATCH_END, state);
  BOOST_TEST(bar.render(state, 4.0, 60) == "epoch 1/2 [#####.....] 16/32ba 00:04<00:12 loss 0.43214");
  BOOST_TEST(bar.render(state, 4.0, 31) == "epoch 1/2 16/32ba loss 0.43214");
  BOOST_TEST(bar.render(state, 4.0, 20) == "epoch 1/2 16/32ba");
  BOOST_TEST(bar.render(state, 4.0, 10) == "epoch 1/2");
}

BOOST_AUTO_TEST_CASE(the_loss_has_six_significant_digits) {
  cairn::State state;
  state.max_duration = cairn::Time(10, cairn::TimeUnit::BATCH);
  std::ostringstream out;
  ProgressBar bar(out, false);
  state.train_metrics["loss/train"] = 1.234567891;
  BOOST_TEST(bar.render(state, 0).find("loss 1.23457") != std::string::npos);
  state.train_metrics["loss/train"] = 0.000123456;
  BOOST_TEST(bar.render(state, 0).find("loss 0.000123456") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(batch_durations_show_overall_progress) {
  cairn::State state;
  state.max_duration = cairn::Time(100, cairn::TimeUnit::BATCH);
  state.timestamp.batch = 40;
  state.timestamp.batch_in_epoch = 8;
  std::ostringstream out;
  ProgressBar bar(out, true);
  bar.on_event(cairn::Event::BATCH_END, state);
  BOOST_TEST(bar.render(state, 0) == "epoch 1 8ba 40% of 100ba 00:00<00:00");
}

BOOST_AUTO_TEST_CASE(a_run_that_ends_mid_epoch_draws_its_final_state) {
  cairn::State state;
  state.max_duration = cairn::Time(4, cairn::TimeUnit::BATCH);
  state.dataloader_len = 32;
  std::ostringstream tty;
  ProgressBar bar(tty, true);
  for (int64_t b = 1; b <= 4; ++b) {
    state.timestamp.batch = b;
    state.timestamp.batch_in_epoch = b;
    bar.on_event(cairn::Event::BATCH_END, state);  // drawn at most ten times a second
  }
  bar.on_event(cairn::Event::FIT_END, state);
  const std::string text = tty.str();
  BOOST_TEST(text.substr(text.rfind('\r')).find("4/32ba 100% of 4ba") != std::string::npos, text);
  BOOST_TEST(text.back() == '\n');
}

BOOST_AUTO_TEST_CASE(each_evaluation_gets_a_line_of_its_own) {
  cairn::State state;
  state.max_duration = cairn::Time(2, cairn::TimeUnit::EPOCH);
  state.dataloader_len = 32;
  state.timestamp.epoch = 1;
  state.timestamp.batch = 8;
  state.eval_label = "eval";
  state.eval_metrics["eval"] = {{"CrossEntropy", 0.41234567}, {"MulticlassAccuracy", 0.9375}};
  BOOST_TEST(eval_line(state) == "eval at ep1 ba8: CrossEntropy 0.412346, MulticlassAccuracy 0.9375");

  std::ostringstream log;
  ProgressBar plain(log, false);
  plain.on_event(cairn::Event::EVAL_END, state);
  BOOST_TEST(log.str() == "eval at ep1 ba8: CrossEntropy 0.412346, MulticlassAccuracy 0.9375\n");
  // On a terminal the bar is erased first; the next batch draws it again.
  std::ostringstream tty;
  ProgressBar bar(tty, true);
  state.timestamp.batch_in_epoch = 8;
  bar.on_event(cairn::Event::BATCH_END, state);
  bar.on_event(cairn::Event::EVAL_END, state);
  BOOST_TEST(tty.str().find("\r\033[Keval at ep1 ba8: ") != std::string::npos, tty.str());
}

BOOST_AUTO_TEST_CASE(should_stop_stops_training_after_the_batch) {
  cairn::State state;
  state.max_duration = cairn::Time(4, cairn::TimeUnit::BATCH);
  bool stop = false;
  std::ostringstream out;
  ProgressBar bar(out, false, {}, [&] { return stop; });
  bar.on_event(cairn::Event::BATCH_END, state);
  BOOST_TEST(!state.stop_requested());
  stop = true;
  bar.on_event(cairn::Event::BATCH_END, state);
  BOOST_TEST(state.stop_requested());
}

BOOST_AUTO_TEST_SUITE_END()
