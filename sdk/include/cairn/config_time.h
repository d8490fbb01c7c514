// Time-valued options in a plugin's JSON config ("half_life": "1000ba",
// "swa_start": "0.7dur"), read through cairn::Config.
//
// Why: such an option usually makes sense in a few units only (an update
// interval in batches or epochs, not in tokens), and a user should learn which
// ones from the error, not from a plugin that silently misbehaves.
//
// The contract: the value is a time string (cairn/time.h) whose unit is one of
// `units`; anything else is a ConfigError naming the plugin, the field, the
// value given and the units allowed.
//
//   cairn::Config cfg("algorithm EMA", json);
//   cairn::Time start = cairn::read_time(cfg, "ema_start", "0.0dur", {cairn::TimeUnit::DURATION, cairn::TimeUnit::BATCH});
//
// Needs only the core layer's config.h and time.h (no LibTorch); shipped with
// the training layer (Cairn::sdk), where plugins with time options live.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cairn/config.h"
#include "cairn/time.h"

namespace cairn {

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

}  // namespace cairn
