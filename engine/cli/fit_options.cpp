#include "cli/fit_options.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <ostream>
#include <regex>
#include <sstream>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/variables_map.hpp>

#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/time.h"
#include "cli/command_line.h"
#include "core/local_path_problem.h"
#include "core/one_line.h"
#include "core/safe_names.h"
#include "trainer/evaluator.h"
#include "trainer/optimizer_factory.h"
#include "trainer/scheduler.h"

namespace po = boost::program_options;

namespace cairn::cli {
namespace {

// How a setting's text (command line) or JSON value (config file) is read.
enum class Kind {
  kString,
  kOptionalString,  // "none" or "" (JSON: null too) disables it
  kDuration,        // a time string; JSON integers mean epochs
  kInterval,        // an integer (epochs) or a time string
  kInteger,
  kSwitch,          // a flag without a value; a JSON boolean
  kSwitchOff,       // --no-X: sets the key to false
  kNamed,           // NAME[=JSON]
  kNamedList,       // NAME[=JSON], repeatable
  kStringList,      // repeatable
};

struct FitSetting {
  const char* flag;
  const char* key;
  Kind kind;
  std::string help;
  std::function<void(FitSpec&, const Setting&)> apply;
};

[[noreturn]] void fail(const Setting& s, const std::string& problem) { throw ConfigError(s.origin + ": " + problem); }

std::string as_string(const Setting& s) {
  if (!s.value.is_string()) fail(s, "expected a string, got " + s.value.dump());
  return s.value.get<std::string>();
}

bool as_bool(const Setting& s) {
  if (!s.value.is_boolean()) fail(s, "expected true or false, got " + s.value.dump());
  return s.value.get<bool>();
}

int64_t as_integer(const Setting& s) {
  if (s.value.is_number_unsigned() && s.value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
    fail(s, s.value.dump() + " is out of range");
  }
  if (s.value.is_number_integer()) return s.value.get<int64_t>();
  if (s.value.is_string()) {
    static const std::regex integer("^[+-]?[0-9]+$");
    const std::string text = s.value.get<std::string>();
    if (std::regex_match(text, integer)) {
      try {
        return std::stoll(text);
      } catch (const std::out_of_range&) {
        fail(s, "'" + text + "' is out of range");
      }
    }
  }
  fail(s, "expected an integer, got " + s.value.dump());
}

int as_int(const Setting& s) {
  const int64_t n = as_integer(s);
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) fail(s, std::to_string(n) + " is out of range");
  return int(n);
}

// Seconds, as a JSON number or a decimal on the command line; positive.
double as_positive_seconds(const Setting& s) {
  static const std::regex decimal("^[0-9]+(\\.[0-9]*)?$");
  double seconds = 0;
  if (s.value.is_number()) {
    seconds = s.value.get<double>();
  } else if (s.value.is_string() && std::regex_match(s.value.get<std::string>(), decimal)) {
    seconds = std::stod(s.value.get<std::string>());
  } else {
    fail(s, "expected a number of seconds, got " + s.value.dump());
  }
  if (!(seconds > 0)) fail(s, "expected a positive number of seconds, got " + s.value.dump());
  return seconds;
}

std::vector<std::string> as_string_list(const Setting& s) {
  if (!s.value.is_array()) fail(s, "expected a list of strings, got " + s.value.dump());
  std::vector<std::string> out;
  for (const auto& item : s.value) {
    if (!item.is_string()) fail(s, "expected a list of strings, but it holds " + item.dump());
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<NamedConfig> as_named_list(const Setting& s) {
  if (!s.value.is_array()) fail(s, "expected a list of names or {\"name\": ..., \"config\": {...}}, got " + s.value.dump());
  std::vector<NamedConfig> out;
  for (const auto& item : s.value) out.push_back(named_config_from_json(s.origin, item));
  return out;
}

bool is_whole_number(const nlohmann::json& value) {
  static const std::regex whole_number("^[0-9]+$");
  return value.is_string() && std::regex_match(value.get<std::string>(), whole_number);
}

// Composer's Time.from_input: an integer (in JSON, or digits on the command
// line) counts epochs, anything else is a time string.
Time as_time(const Setting& s) {
  try {
    if (is_whole_number(s.value)) return Time::parse(s.value.get<std::string>() + "ep");
    return time_from_json(s.value, TimeUnit::EPOCH);
  } catch (const ConfigError& e) {
    fail(s, e.what());
  }
}

std::string as_duration(const Setting& s) {
  const Time t = as_time(s);
  // A time string is kept as written, for messages; an integer becomes "<n>ep".
  return s.value.is_string() && !is_whole_number(s.value) ? s.value.get<std::string>() : t.to_string();
}

Time as_interval(const Setting& s) { return as_time(s); }

std::optional<std::string> as_optional_string(const Setting& s) {
  if (s.value.is_null()) return std::nullopt;
  std::string text = as_string(s);
  if (text.empty() || text == "none") return std::nullopt;
  return text;
}

// "A, B or C".
std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

const std::vector<FitSetting>& fit_settings() {
  static const std::vector<FitSetting> table = {
      {"model", "model", Kind::kNamed, "NAME[=JSON]  model to train, from a plugin (required)",
       [](FitSpec& f, const Setting& s) { f.model = named_config_from_json(s.origin, s.value); }},
      {"data", "data", Kind::kNamed, "NAME[=JSON]  training dataset, from a plugin (required)",
       [](FitSpec& f, const Setting& s) { f.data = named_config_from_json(s.origin, s.value); }},
      {"eval-data", "eval_data", Kind::kNamed,
       "NAME[=JSON]  evaluation dataset, from a plugin, evaluated under the label eval (default: no evaluation)",
       [](FitSpec& f, const Setting& s) { f.eval_data = named_config_from_json(s.origin, s.value); }},
      {"eval-interval", "eval_interval", Kind::kInterval,
       "TIME  how often to evaluate: an integer (epochs) or a time string in ep, ba or dur; 0 disables "
       "evaluation (default: 1ep)",
       [](FitSpec& f, const Setting& s) {
         const Time interval = as_interval(s);
         if (const auto problem = eval_interval_problem(interval)) fail(s, *problem);
         f.trainer.eval_interval = interval;
       }},
      {"eval-subset-num-batches", "eval_subset_num_batches", Kind::kInteger,
       "N  evaluate on the first N batches only; -1 evaluates on all (default: -1)",
       [](FitSpec& f, const Setting& s) {
         const int64_t n = as_integer(s);
         if (const auto problem = eval_subset_num_batches_problem(n)) fail(s, *problem);
         f.trainer.eval_subset_num_batches = n;
       }},
      {"optimizer", "optimizer", Kind::kNamed,
       "NAME[=JSON]  " + listed(optimizer_names()) + ", with torch.optim's config names (default: SGD={\"lr\": 0.1})",
       [](FitSpec& f, const Setting& s) { f.optimizer = named_config_from_json(s.origin, s.value); }},
      {"scheduler", "schedulers", Kind::kNamedList,
       "NAME[=JSON]  learning-rate scheduler, stepped every batch: " + listed(scheduler_names()) + " (repeatable)",
       [](FitSpec& f, const Setting& s) { f.schedulers = as_named_list(s); }},
      {"callback", "callbacks", Kind::kNamedList,
       "NAME[=JSON]  callback from a plugin, or the built-in CheckpointSaver (repeatable)",
       [](FitSpec& f, const Setting& s) { f.callbacks = as_named_list(s); }},
      {"algorithm", "algorithms", Kind::kNamedList, "NAME[=JSON]  algorithm from a plugin (repeatable)",
       [](FitSpec& f, const Setting& s) { f.algorithms = as_named_list(s); }},
      {"plugin-dir", "plugin_dirs", Kind::kStringList, "DIR  also load plugins from DIR, searched first (repeatable)",
       [](FitSpec& f, const Setting& s) { f.plugin_dirs = as_string_list(s); }},
      {"max-duration", "max_duration", Kind::kDuration, "TIME  how long to train: 2ep, 500ba, ... (default: 1ep)",
       [](FitSpec& f, const Setting& s) { f.trainer.max_duration = as_duration(s); }},
      {"run-name", "run_name", Kind::kString,
       "NAME  run name (default: $COMPOSER_RUN_NAME, $RUN_NAME, or generated)",
       [](FitSpec& f, const Setting& s) {
         f.trainer.run_name = as_string(s);
         validate_run_name(*f.trainer.run_name, s.origin);
       }},
      {"seed", "seed", Kind::kInteger, "N  random seed, stored as rank_zero_seed (default: random)",
       [](FitSpec& f, const Setting& s) {
         const int64_t seed = as_integer(s);
         if (seed < 0) fail(s, "the seed must be a non-negative integer, got " + std::to_string(seed));
         f.trainer.seed = static_cast<uint64_t>(seed);
       }},
      {"device", "device", Kind::kString, "DEVICE  cpu or gpu, as Composer names them; also cuda, cuda:N (default: cpu)",
       [](FitSpec& f, const Setting& s) { f.trainer.device = as_string(s); }},
      {"nproc-per-node", "nproc_per_node", Kind::kInteger,
       "N  start N ranks on this machine and train on all of them (torch.distributed, Gloo) (default: 1)",
       [](FitSpec& f, const Setting& s) { f.launch.nproc_per_node = as_int(s); }},
      {"nnodes", "nnodes", Kind::kInteger, "N  machines in the job, each started with the same command (default: 1)",
       [](FitSpec& f, const Setting& s) { f.launch.nnodes = as_int(s); }},
      {"node-rank", "node_rank", Kind::kInteger, "R  this machine's place among --nnodes, from 0 (default: 0)",
       [](FitSpec& f, const Setting& s) { f.launch.node_rank = as_int(s); }},
      {"master-addr", "master_addr", Kind::kString,
       "HOST  address of node 0, where rank 0 hosts the rendezvous (default: 127.0.0.1)",
       [](FitSpec& f, const Setting& s) { f.launch.master_addr = as_string(s); }},
      {"master-port", "master_port", Kind::kInteger,
       "PORT  port of the rendezvous on node 0 (default: a free port; required with --nnodes)",
       [](FitSpec& f, const Setting& s) { f.launch.master_port = as_int(s); }},
      {"dist-timeout", "dist_timeout", Kind::kString,
       "SECONDS  how long any rank of a multi-process job waits for the others before every rank fails "
       "(default: 300)",
       [](FitSpec& f, const Setting& s) { f.trainer.dist_timeout = as_positive_seconds(s); }},
      {"save-folder", "save_folder", Kind::kString,
       "DIR  save checkpoints in this folder (a path template, e.g. {run_name}/checkpoints), or upload them "
       "to a store URI (s3://bucket/path, file:///abs); no saving without it",
       [](FitSpec& f, const Setting& s) { f.trainer.save_folder = as_string(s); }},
      {"state-dict-type", "state_dict_type", Kind::kString,
       "full|sharded  full: one checkpoint file, written by rank 0; sharded: a folder ep{epoch}-ba{batch}/ in "
       "torch's distributed-checkpoint layout that every rank writes its part of (default: full)",
       [](FitSpec& f, const Setting& s) { f.trainer.state_dict_type = as_string(s); }},
      {"save-filename", "save_filename", Kind::kString,
       "TEMPLATE  checkpoint name; the extension picks the format (default: ep{epoch}-ba{batch}-rank{rank}.pt)",
       [](FitSpec& f, const Setting& s) { f.trainer.save_filename = as_string(s); }},
      {"save-latest-filename", "save_latest_filename", Kind::kOptionalString,
       "TEMPLATE  symlink to the latest checkpoint; 'none' disables it (default: latest-rank{rank}.pt)",
       [](FitSpec& f, const Setting& s) { f.trainer.save_latest_filename = as_optional_string(s); }},
      {"save-interval", "save_interval", Kind::kInterval, "TIME  an integer (epochs) or a time string (default: 1ep)",
       [](FitSpec& f, const Setting& s) { f.trainer.save_interval = as_interval(s); }},
      {"save-overwrite", "save_overwrite", Kind::kSwitch, "overwrite existing checkpoints",
       [](FitSpec& f, const Setting& s) { f.trainer.save_overwrite = as_bool(s); }},
      {"save-weights-only", "save_weights_only", Kind::kSwitch, "save only the model weights",
       [](FitSpec& f, const Setting& s) { f.trainer.save_weights_only = as_bool(s); }},
      {"save-num-checkpoints-to-keep", "save_num_checkpoints_to_keep", Kind::kInteger,
       "N  keep only the N newest local checkpoints; -1 keeps all (default: -1)",
       [](FitSpec& f, const Setting& s) {
         const int64_t n = as_integer(s);
         if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) fail(s, "out of range");
         f.trainer.save_num_checkpoints_to_keep = static_cast<int>(n);
       }},
      {"save-ignore-keys", "save_ignore_keys", Kind::kStringList,
       "GLOB  leave out matching paths (state/model/*) when saving (repeatable)",
       [](FitSpec& f, const Setting& s) { f.trainer.save_ignore_keys = as_string_list(s); }},
      {"save-signing-key", "save_signing_key", Kind::kString,
       "FILE  PEM private key (Ed25519 or RSA) that signs every checkpoint (default: $CAIRN_SIGNING_KEY)",
       [](FitSpec& f, const Setting& s) { f.trainer.save_signing_key = as_string(s); }},
      {"save-async", "save_async", Kind::kSwitch,
       "write checkpoints in the background; training waits only for a snapshot of the state",
       [](FitSpec& f, const Setting& s) { f.trainer.save_async = as_bool(s); }},
      {"save-async-snapshot", "save_async_snapshot", Kind::kString,
       "lazy|eager  lazy: parameters and optimizer state are copied before the next optimizer step; eager: "
       "everything at the save (default: lazy)",
       [](FitSpec& f, const Setting& s) { f.trainer.save_async_snapshot = as_string(s); }},
      {"save-async-memory-limit-mib", "save_async_memory_limit_mib", Kind::kInteger,
       "MIB  most host memory an asynchronous snapshot may hold; larger states are saved synchronously (default: 0, "
       "what the state needs)",
       [](FitSpec& f, const Setting& s) { f.trainer.save_async_memory_limit_mib = as_integer(s); }},
      {"save-stage-locally", "save_stage_locally", Kind::kSwitch,
       "with a URI --save-folder, write each checkpoint locally and upload it from there instead of streaming it",
       [](FitSpec& f, const Setting& s) { f.trainer.save_stage_locally = as_bool(s); }},
      {"load-path", "load_path", Kind::kString, "PATH  checkpoint to resume from: a file, a URI, or an object name",
       [](FitSpec& f, const Setting& s) { f.trainer.load_path = as_string(s); }},
      {"load-object-store", "load_object_store", Kind::kNamed, "NAME[=JSON]  object store to read --load-path from",
       [](FitSpec& f, const Setting& s) {
         const NamedConfig store = named_config_from_json(s.origin, s.value);
         f.trainer.load_object_store = store.name;
         f.trainer.load_object_store_config = store.config.is_null() ? "{}" : store.config.dump();
       }},
      {"load-weights-only", "load_weights_only", Kind::kSwitch, "restore only the model weights",
       [](FitSpec& f, const Setting& s) { f.trainer.load_weights_only = as_bool(s); }},
      {"load-strict-model-weights", "load_strict_model_weights", Kind::kSwitch,
       "model weights must match exactly (the default)",
       [](FitSpec& f, const Setting& s) { f.trainer.load_strict_model_weights = as_bool(s); }},
      {"no-load-strict-model-weights", "load_strict_model_weights", Kind::kSwitchOff,
       "ignore missing and unexpected model weights",
       [](FitSpec& f, const Setting& s) { f.trainer.load_strict_model_weights = as_bool(s); }},
      {"load-trusted-key", "load_trusted_key", Kind::kString,
       "FILE  PEM public key: refuse to load a checkpoint it has not signed (default: $CAIRN_TRUSTED_KEY)",
       [](FitSpec& f, const Setting& s) { f.trainer.load_trusted_key = as_string(s); }},
      {"load-ignore-keys", "load_ignore_keys", Kind::kStringList,
       "GLOB  ignore matching paths of the loaded checkpoint (repeatable)",
       [](FitSpec& f, const Setting& s) { f.trainer.load_ignore_keys = as_string_list(s); }},
      {"load-key-prefix-map", "load_key_prefix_map", Kind::kStringList,
       "OLD=NEW  rename model keys of the loaded checkpoint that start with OLD (module.= strips Composer's "
       "'module.'; repeatable, the first match applies)",
       [](FitSpec& f, const Setting& s) {
         f.trainer.load_key_prefix_map.clear();
         for (const std::string& rule : as_string_list(s)) {
           const size_t eq = rule.find('=');
           if (eq == std::string::npos || eq == 0) {
             fail(s, "'" + rule + "' is not OLD=NEW (e.g. module.= to strip a leading 'module.')");
           }
           f.trainer.load_key_prefix_map.emplace_back(rule.substr(0, eq), rule.substr(eq + 1));
         }
       }},
      {"load-exclude-algorithms", "load_exclude_algorithms", Kind::kStringList,
       "NAME  do not re-create this algorithm from the checkpoint (repeatable)",
       [](FitSpec& f, const Setting& s) { f.trainer.load_exclude_algorithms = as_string_list(s); }},
      {"autoresume", "autoresume", Kind::kSwitch,
       "resume from <save-folder>/<save-latest-filename> if it exists (needs --run-name)",
       [](FitSpec& f, const Setting& s) { f.trainer.autoresume = as_bool(s); }},
  };
  return table;
}

const FitSetting* find_by_key(const std::string& key) {
  for (const auto& s : fit_settings()) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

// "--keep -1": program_options would read "-1" as a short option.
std::vector<std::string> join_negative_values(const std::vector<std::string>& args) {
  static const std::regex negative_number("^-[0-9]+$");
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool takes_value = args[i].rfind("--", 0) == 0 && args[i].find('=') == std::string::npos;
    if (takes_value && i + 1 < args.size() && std::regex_match(args[i + 1], negative_number)) {
      out.push_back(args[i] + "=" + args[i + 1]);
      ++i;
    } else {
      out.push_back(args[i]);
    }
  }
  return out;
}

}  // namespace

std::string FitSpec::origin_of(const std::string& key) const {
  const auto it = origins.find(key);
  return it == origins.end() ? key : it->second;
}

po::options_description fit_flags() {
  po::options_description desc("cairn fit options", 110, 60);
  desc.add_options()("help,h", "show this help")("config", po::value<std::string>()->value_name("FILE.json"),
                                                 "read settings from a JSON file whose keys are the snake_case "
                                                 "names of these flags; flags given here override it");
  for (const auto& s : fit_settings()) {
    // A help text "NAME[=JSON]  does this" shows NAME[=JSON] as the flag's value.
    const std::string help = s.help;
    const auto gap = help.find("  ");
    const std::string value_name = gap == std::string::npos ? "" : help.substr(0, gap);
    const std::string text = gap == std::string::npos ? help : help.substr(gap + 2);
    switch (s.kind) {
      case Kind::kSwitch:
      case Kind::kSwitchOff:
        desc.add_options()(s.flag, po::bool_switch(), s.help.c_str());
        break;
      case Kind::kNamedList:
      case Kind::kStringList:
        desc.add_options()(s.flag, po::value<std::vector<std::string>>()->value_name(value_name), text.c_str());
        break;
      default:
        desc.add_options()(s.flag, po::value<std::string>()->value_name(value_name), text.c_str());
    }
  }
  return desc;
}

Settings settings_from_command_line(const std::vector<std::string>& args, std::optional<std::string>& config_path,
                                    bool& help) {
  const po::variables_map vm = parse_command_line("fit", join_negative_values(args), fit_flags());
  help = vm.count("help") > 0;
  if (vm.count("config")) config_path = vm["config"].as<std::string>();

  Settings settings;
  for (const auto& s : fit_settings()) {
    if (!vm.count(s.flag) || vm[s.flag].defaulted()) continue;
    const std::string origin = std::string("--") + s.flag;
    nlohmann::json value;
    switch (s.kind) {
      case Kind::kSwitch:
      case Kind::kSwitchOff:
        if (!vm[s.flag].as<bool>()) continue;
        value = s.kind == Kind::kSwitch;
        if (settings.count(s.key)) {
          throw ConfigError(origin + " contradicts " + settings.at(s.key).origin + "; give only one of them");
        }
        break;
      case Kind::kNamed:
        value = parse_name_json(origin, vm[s.flag].as<std::string>()).to_json();
        break;
      case Kind::kNamedList:
        value = nlohmann::json::array();
        for (const auto& text : vm[s.flag].as<std::vector<std::string>>()) {
          value.push_back(parse_name_json(origin, text).to_json());
        }
        break;
      case Kind::kStringList:
        value = vm[s.flag].as<std::vector<std::string>>();
        break;
      default:
        value = vm[s.flag].as<std::string>();
    }
    settings[s.key] = Setting{std::move(value), origin};
  }
  return settings;
}

Settings settings_from_config_file(const std::string& path) {
  if (const std::optional<std::string> problem = local_file_problem(path)) {
    throw ConfigError("cannot read config file '" + path + "': it " + *problem + "; check --config");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("cannot read config file '" + path + "': " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError("config file '" + path + "' is not valid JSON: " + one_line(e.what()));
  }
  if (!root.is_object()) {
    throw ConfigError("config file '" + path + "' must hold a JSON object like {\"model\": \"mlp\"}, got a " +
                      std::string(root.type_name()));
  }
  Settings settings;
  for (const auto& item : root.items()) {
    if (!find_by_key(item.key())) {
      std::string known;
      for (const auto& s : fit_settings()) {
        if (s.kind != Kind::kSwitchOff) known += (known.empty() ? "" : ", ") + std::string(s.key);
      }
      throw ConfigError("config file '" + path + "': unknown key '" + item.key() + "'; known keys: " + known);
    }
    settings[item.key()] = Setting{item.value(), "'" + item.key() + "' in " + path};
  }
  return settings;
}

FitSpec fit_spec_from_settings(const Settings& settings) {
  FitSpec spec;
  for (const auto& [key, setting] : settings) {
    find_by_key(key)->apply(spec, setting);
    spec.origins[key] = setting.origin;
  }
  if (spec.model.name.empty()) {
    throw ConfigError("no model given: pass --model NAME[=JSON] (or \"model\" in the --config file); "
                      "'cairn plugins' lists the models available");
  }
  if (spec.data.name.empty()) {
    throw ConfigError("no training data given: pass --data NAME[=JSON] (or \"data\" in the --config file); "
                      "'cairn plugins' lists the datasets available");
  }
  // Composer ignores them without an evaluation dataloader; here that is a mistake worth a line.
  for (const char* key : {"eval_interval", "eval_subset_num_batches"}) {
    if (spec.eval_data.name.empty() && settings.count(key)) {
      throw ConfigError(settings.at(key).origin + " has nothing to evaluate: give evaluation data with --eval-data "
                        "NAME[=JSON] (or \"eval_data\" in the --config file)");
    }
  }
  return spec;
}

std::optional<FitSpec> parse_fit_command_line(const std::vector<std::string>& args, std::ostream& help_out) {
  std::optional<std::string> config_path;
  bool help = false;
  Settings from_flags = settings_from_command_line(args, config_path, help);
  if (help) {
    help_out << "usage: cairn fit --model NAME[=JSON] --data NAME[=JSON] [options]\n\n"
             << "Trains a model with Composer-style checkpointing. Flags are Composer's Trainer argument names.\n\n"
             << fit_flags() << "\n";
    return std::nullopt;
  }
  Settings settings = config_path ? settings_from_config_file(*config_path) : Settings{};
  for (auto& [key, setting] : from_flags) settings[key] = std::move(setting);
  return fit_spec_from_settings(settings);
}

}  // namespace cairn::cli
