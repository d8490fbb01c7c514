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

Time Config::get_time(const std::string& field, const std::string& fallback, TimeUnit default_unit) {
  const nlohmann::json value = get<nlohmann::json>(field, fallback);
  try {
    return time_from_json(value, default_unit);
  } catch (const ConfigError& e) {
    fail(field, std::string("is not a valid time: ") + e.what());
  }
}

void Config::fail(const std::string& field, const std::string& problem) const {
  throw ConfigError(owner_ + ": config field '" + field + "' " + problem);
}

}  // namespace cairn

namespace cairn {

namespace config_detail {

std::string describe_given(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  if (value.is_string()) return "the string " + text;
  if (value.is_boolean()) return text;
  if (value.is_null()) return "null";
  if (value.is_number_integer()) return "the integer " + text;
  if (value.is_number()) return "the number " + text;
  if (value.is_array()) return "the list " + text;
  return "the object " + text;
}

}  // namespace config_detail

Time time_from_json(const nlohmann::json& value, TimeUnit default_unit) {
  // Through the time-string parser, so an integer is checked as "<n><unit>" is.
  if (value.is_number_integer()) return Time::parse(value.dump() + to_string(default_unit));
  if (value.is_string()) return Time::parse(value.get<std::string>());
  throw ConfigError("expected an integer (" + std::string(to_string(default_unit)) +
                    ") or a time string such as \"10ep\" or \"500ba\", got " + config_detail::describe_given(value));
}

}  // namespace cairn
