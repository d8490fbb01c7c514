// What the stopping callbacks share: the comparison named by `comp` and the
// lookup of the monitored metric among those the run logs.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/state.h"

namespace cairn::plugins {

enum class Comparison { kLess, kGreater };

inline bool holds(Comparison comp, double a, double b) { return comp == Comparison::kLess ? a < b : a > b; }

// Composer's choice when `comp` is not given: lower is better for losses,
// errors and perplexities, higher for everything else.
inline Comparison default_comparison(const std::string& monitor) {
  std::string lower = monitor;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* worse_when_higher : {"loss", "error", "perplexity"}) {
    if (lower.find(worse_when_higher) != std::string::npos) return Comparison::kLess;
  }
  return Comparison::kGreater;
}

// Reads `comp`: "min"/"less"/"lt" or "max"/"greater"/"gt"; absent or null
// picks default_comparison(monitor).
inline Comparison read_comparison(Config& cfg, const std::string& monitor) {
  const auto raw = cfg.get<nlohmann::json>("comp", nlohmann::json());
  if (raw.is_null()) return default_comparison(monitor);
  if (!raw.is_string()) cfg.fail("comp", "must be \"min\", \"max\", \"less\", \"greater\", \"lt\" or \"gt\"");
  std::string text = raw.get<std::string>();
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (text == "min" || text == "less" || text == "lt") return Comparison::kLess;
  if (text == "max" || text == "greater" || text == "gt") return Comparison::kGreater;
  cfg.fail("comp", "is \"" + raw.get<std::string>() + "\"; use \"min\"/\"less\"/\"lt\" or \"max\"/\"greater\"/\"gt\"");
}

// Cairn trains without evaluation dataloaders: "train" is the only label.
inline void read_dataloader_label(Config& cfg) {
  const auto label = cfg.get<std::string>("dataloader_label", "train");
  if (label != "train") {
    cfg.fail("dataloader_label", "is \"" + label + "\" but only \"train\" exists (Cairn has no evaluation dataloaders)");
  }
}

// The value of `monitor` among the metrics the run logged for the last batch.
inline double monitored_value(const State& state, const std::string& owner, const std::string& monitor) {
  auto it = state.train_metrics.find(monitor);
  if (it != state.train_metrics.end()) return it->second;
  std::string known;
  for (const auto& m : state.train_metrics) known += (known.empty() ? "" : ", ") + m.first;
  throw ConfigError(owner + ": the run logs no metric '" + monitor + "' (it logs: " +
                    (known.empty() ? "nothing yet" : known) + "); set monitor to one of those");
}

}  // namespace cairn::plugins
