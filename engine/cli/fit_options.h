// `cairn fit`'s flags and --config file, turned into one validated FitSpec.
//
// Each setting has a kebab-case flag and a snake_case config-file key, both
// Composer's Trainer argument names (--save-folder / "save_folder"); the few
// list-valued ones take the plural as their key (--callback / "callbacks").
// Values from the command line override the file's.
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <nlohmann/json.hpp>

#include "cli/launcher.h"
#include "cli/name_json.h"
#include "trainer/trainer_options.h"

namespace cairn::cli {

// Everything `cairn fit` was asked to do, before any plugin is loaded.
struct FitSpec {
  // The plain Trainer arguments; model, data, eval data, optimizers,
  // schedulers, callbacks, algorithms and plugins are filled in by
  // make_trainer_options.
  TrainerOptions trainer;
  std::vector<std::string> plugin_dirs;
  NamedConfig model;
  NamedConfig data;
  NamedConfig eval_data;  // empty name: no evaluation
  NamedConfig optimizer{"SGD", nlohmann::json{{"lr", 0.1}}};
  std::vector<NamedConfig> schedulers;
  std::vector<NamedConfig> callbacks;
  std::vector<NamedConfig> algorithms;
  // --nproc-per-node and the other launcher settings (cli/launcher.h).
  LaunchOptions launch;
  // Config key -> where its value came from ("--model", "'model' in run.json"), for messages.
  std::map<std::string, std::string> origins;

  std::string origin_of(const std::string& key) const;
};

// A value keyed by its config-file key, with where it came from.
struct Setting {
  nlohmann::json value;
  std::string origin;
};
using Settings = std::map<std::string, Setting>;

// The flags, for parsing and for --help.
boost::program_options::options_description fit_flags();

// The settings given on the command line (flags not given are absent).
// `config_path` receives --config's value, if any. Throws ConfigError.
Settings settings_from_command_line(const std::vector<std::string>& args, std::optional<std::string>& config_path,
                                    bool& help);
// The settings of a JSON config file. Throws ConfigError naming the file and,
// for an unknown key, the key.
Settings settings_from_config_file(const std::string& path);
// Type-checks and converts every setting. Throws ConfigError naming the origin.
FitSpec fit_spec_from_settings(const Settings& settings);

// All of the above: flags and the --config file they name, flags winning.
// Returns nothing when --help was asked for (the help is written to `help_out`).
std::optional<FitSpec> parse_fit_command_line(const std::vector<std::string>& args, std::ostream& help_out);

}  // namespace cairn::cli
