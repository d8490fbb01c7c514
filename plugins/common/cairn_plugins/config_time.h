// Time-string options in a plugin's JSON config ("half_life": "1000ba"),
// with errors that name the plugin, the field and the bad value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cairn/config.h"
#include "cairn/time.h"

namespace cairn::plugins {

// Absent or null: nullopt. Otherwise the field must be a time string whose
// unit is one of `units`.
inline std::optional<Time> read_optional_time(Config& cfg, const std::string& field,
                                              const std::vector<TimeUnit>& units) {
  const auto raw = cfg.get<nlohmann::json>(field, nullptr);
  if (raw.is_null()) return std::nullopt;
  if (!raw.is_string()) cfg.fail(field, "must be a time string such as \"10ba\" (got " + raw.dump() + ")");
  Time t;
  try {
    t = Time::parse(raw.get<std::string>());
  } catch (const Error& e) {
    cfg.fail(field, e.what());
  }
  std::string allowed;
  for (TimeUnit u : units) {
    if (u == t.unit()) return t;
    allowed += std::string(allowed.empty() ? "" : ", ") + to_string(u);
  }
  cfg.fail(field, "is in '" + std::string(to_string(t.unit())) + "' (got \"" + raw.get<std::string>() +
                      "\"); use one of: " + allowed);
}

inline Time read_time(Config& cfg, const std::string& field, const std::string& fallback,
                      const std::vector<TimeUnit>& units) {
  if (auto t = read_optional_time(cfg, field, units)) return *t;
  return Time::parse(fallback);
}

}  // namespace cairn::plugins
