#include "cairn/config.h"

namespace cairn {

Config::Config(std::string owner, const nlohmann::json& json) : owner_(std::move(owner)) {
  if (json.is_null()) {
    json_ = nlohmann::json::object();
  } else if (json.is_object()) {
    json_ = json;
  } else {
    throw ConfigError(owner_ + ": config must be a JSON object like {\"field\": value}, got " + json.dump());
  }
}

bool Config::has(const std::string& field) const {
  read_.insert(field);
  return json_.contains(field);
}

void Config::finish() const {
  std::string unknown;
  for (const auto& item : json_.items()) {
    if (read_.count(item.key()) == 0) unknown += (unknown.empty() ? "'" : ", '") + item.key() + "'";
  }
  if (unknown.empty()) return;
  std::string known;
  for (const auto& f : read_) known += (known.empty() ? "" : ", ") + f;
  throw ConfigError(owner_ + ": unknown config field " + unknown + "; known fields: " +
                    (known.empty() ? "none" : known));
}

void Config::fail(const std::string& field, const std::string& problem) const {
  throw ConfigError(owner_ + ": config field '" + field + "' " + problem);
}

}  // namespace cairn
