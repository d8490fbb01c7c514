// What the stopping callbacks share: the comparison named by `comp`, the
// dataloader the metric comes from, when to check it, and the lookup of the
// monitored metric among those the run logs.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/event.h"
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

// Reads `dataloader_label`: "train" (the default) for the metrics of the last
// training batch, or an evaluation dataloader's label ("eval", Composer's
// default) for the metrics of its last evaluation. Whether the run has that
// dataloader is known only at INIT: check_dataloader_label.
inline std::string read_dataloader_label(Config& cfg) {
  auto label = cfg.get<std::string>("dataloader_label", "train");
  if (label.empty()) cfg.fail("dataloader_label", "is empty; use \"train\" or \"eval\"");
  return label;
}

// At INIT: ConfigError unless `label` is "train" or a label the run evaluates
// (the keys of state.eval_metrics, which the trainer enters at construction).
inline void check_dataloader_label(const State& state, const std::string& owner, const std::string& label) {
  if (label == "train" || state.eval_metrics.count(label) > 0) return;
  std::string known = "\"train\"";
  for (const auto& entry : state.eval_metrics) known += ", \"" + entry.first + "\"";
  throw ConfigError(owner + ": dataloader_label is \"" + label + "\", but this run's dataloaders are " + known +
                    (label == "eval" ? "; give evaluation data (--eval-data, or eval_dataloader)"
                                     : "; set dataloader_label to one of those"));
}

// Composer's stoppers check a training metric at EPOCH_END (and BATCH_END
// when `on_batch`), and an evaluation metric at the EVAL_END of its dataloader.
inline bool check_due(Event event, const State& state, const std::string& label, bool on_batch) {
  if (label == "train") return event == Event::EPOCH_END || (event == Event::BATCH_END && on_batch);
  return event == Event::EVAL_END && state.eval_label == label;
}

// The value of `monitor` among the metrics of `label`: the last training
// batch's, or the last evaluation's.
inline double monitored_value(const State& state, const std::string& owner, const std::string& label,
                              const std::string& monitor) {
  const std::map<std::string, double>* metrics = &state.train_metrics;
  if (label != "train") {
    const auto found = state.eval_metrics.find(label);
    metrics = found == state.eval_metrics.end() ? nullptr : &found->second;
  }
  if (metrics != nullptr) {
    const auto it = metrics->find(monitor);
    if (it != metrics->end()) return it->second;
  }
  std::string known;
  if (metrics != nullptr) {
    for (const auto& m : *metrics) known += (known.empty() ? "" : ", ") + m.first;
  }
  throw ConfigError(owner + ": the run logs no metric '" + monitor + "' for dataloader_label \"" + label +
                    "\" (it logs: " + (known.empty() ? "nothing yet" : known) + "); set monitor to one of those");
}

}  // namespace cairn::plugins
