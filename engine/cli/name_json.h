// NAME[=JSON]: how the CLI names a plugin-made object and its config
// (`--model mlp={"hidden":32}`), and the same thing in a config file
// (`"model": "mlp"` or `"model": {"name": "mlp", "config": {"hidden": 32}}`).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cairn::cli {

struct NamedConfig {
  std::string name;
  nlohmann::json config;  // null when no config was given: the factory's defaults apply

  // The config file form: {"name": ..., "config": ...}, or just the name when there is no config.
  nlohmann::json to_json() const;
};

// Parses "NAME" or "NAME=JSON" given to `flag` ("--model"). Throws ConfigError
// naming the flag, and for bad JSON the parser's complaint.
NamedConfig parse_name_json(const std::string& flag, const std::string& text);

// Reads the config-file form; `origin` names where it came from in messages
// ("'model' in run.json"). Throws ConfigError.
NamedConfig named_config_from_json(const std::string& origin, const nlohmann::json& value);

}  // namespace cairn::cli
