#include "cli/name_json.h"

#include <algorithm>
#include <cctype>

#include "cairn/errors.h"
#include "core/one_line.h"

namespace cairn::cli {
namespace {

// Plugin names are identifiers: a typo such as "mlp {..}" (missing '=') should
// be reported as such, not as an unknown plugin named "mlp {..}".
void check_name(const std::string& origin, const std::string& name, const std::string& text) {
  if (name.empty()) {
    throw ConfigError(origin + ": expected NAME or NAME=JSON, got '" + text + "' (the name is empty)");
  }
  const bool valid = std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
  });
  if (!valid) {
    throw ConfigError(origin + ": '" + name +
                      "' is not a valid name (letters, digits, '_', '-', '.', ':' only); to pass a config write "
                      "NAME=JSON, e.g. mlp={\"hidden\": 32}");
  }
}

}  // namespace

nlohmann::json NamedConfig::to_json() const {
  if (config.is_null()) return name;
  return {{"name", name}, {"config", config}};
}

NamedConfig parse_name_json(const std::string& flag, const std::string& text) {
  const auto eq = text.find('=');
  NamedConfig result;
  result.name = text.substr(0, eq);
  check_name(flag, result.name, text);
  if (eq == std::string::npos) return result;

  const std::string json_text = text.substr(eq + 1);
  try {
    result.config = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(flag + ": invalid JSON config for '" + result.name + "' (" + one_line(e.what()) +
                      "); write NAME=JSON with a JSON object, e.g. " + result.name + "={\"key\": 1}");
  }
  if (!result.config.is_object()) {
    throw ConfigError(flag + ": the config for '" + result.name + "' must be a JSON object, got " +
                      result.config.dump());
  }
  return result;
}

NamedConfig named_config_from_json(const std::string& origin, const nlohmann::json& value) {
  NamedConfig result;
  if (value.is_string()) {
    result.name = value.get<std::string>();
    check_name(origin, result.name, result.name);
    return result;
  }
  if (!value.is_object()) {
    throw ConfigError(origin + ": expected a name or {\"name\": ..., \"config\": {...}}, got " + value.dump());
  }
  for (const auto& item : value.items()) {
    if (item.key() != "name" && item.key() != "config") {
      throw ConfigError(origin + ": unknown field '" + item.key() + "'; expected only \"name\" and \"config\"");
    }
  }
  if (!value.contains("name") || !value.at("name").is_string()) {
    throw ConfigError(origin + ": \"name\" is required and must be a string, got " + value.dump());
  }
  result.name = value.at("name").get<std::string>();
  check_name(origin, result.name, result.name);
  if (value.contains("config")) {
    result.config = value.at("config");
    if (!result.config.is_object() && !result.config.is_null()) {
      throw ConfigError(origin + ": \"config\" must be a JSON object, got " + result.config.dump());
    }
  }
  return result;
}

}  // namespace cairn::cli
