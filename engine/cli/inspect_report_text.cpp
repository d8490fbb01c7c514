// The text `cairn inspect` prints: the report of inspect_report.cpp laid out
// for people. JSON only, so no torch header is needed here.
#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include "cli/inspect_report.h"

namespace cairn::cli {
namespace {

// Tensors listed without --tensors: enough to see the model's first layers.
constexpr size_t kTensorsInSummary = 8;

std::string human_bytes(int64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  std::ostringstream out;
  if (unit == 0) {
    out << bytes << " B";
  } else {
    out << std::fixed << std::setprecision(1) << value << " " << units[unit];
  }
  return out.str();
}

std::string joined(const nlohmann::json& names) {
  if (!names.is_array() || names.empty()) return "(none)";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n.get<std::string>();
  return out;
}

// Strings without quotes, floats to six significant digits (wall-clock seconds).
std::string plain(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    std::ostringstream out;
    out << std::setprecision(6) << value.get<double>();
    return out.str();
  }
  return value.dump();
}

std::string shape_text(const nlohmann::json& shape) {
  std::string out = "[";
  for (const auto& d : shape) out += (out.size() > 1 ? ", " : "") + std::to_string(d.get<int64_t>());
  return out + "]";
}

std::string format_tensors(const nlohmann::json& tensors, bool all) {
  std::ostringstream out;
  const size_t shown = all ? tensors.size() : std::min(tensors.size(), kTensorsInSummary);
  size_t width = 0;
  for (size_t i = 0; i < shown; ++i) width = std::max(width, tensors[i].at("name").get<std::string>().size());
  out << "tensors:";
  if (tensors.empty()) out << "         (none)";
  out << "\n";
  for (size_t i = 0; i < shown; ++i) {
    const nlohmann::json& t = tensors[i];
    out << "  " << std::left << std::setw(static_cast<int>(width + 2)) << t.at("name").get<std::string>()
        << std::setw(10) << t.at("dtype").get<std::string>() << std::right << shape_text(t.at("shape")) << "\n";
  }
  if (shown < tensors.size()) {
    out << "  ... and " << tensors.size() - shown << " more (cairn inspect --tensors lists every tensor)\n";
  }
  return out.str();
}

// Callback and algorithm state first, one line each; then the plugins the run
// had loaded (state['metadata']['plugins']): those installed here at the same
// version on one line, each missing or different one on its own.
std::string format_plugins_needed(const nlohmann::json& needed) {
  std::ostringstream out;
  std::string installed;
  for (const auto& need : needed) {
    const std::string kind = plain(need.at("kind"));
    if (kind == "plugin") {
      const std::string name_version = plain(need.at("name")) + " " + plain(need.at("version"));
      if (!need.at("loadable").get<bool>()) {
        out << "  " << std::left << std::setw(10) << "plugin" << std::setw(20) << name_version << std::right
            << "NOT INSTALLED: no plugin of that name in the search path (see cairn plugins)\n";
      } else if (need.at("installed_version") != need.at("version")) {
        out << "  " << std::left << std::setw(10) << "plugin" << std::setw(20) << name_version << std::right
            << "installed at version " << plain(need.at("installed_version")) << " (" << plain(need.at("file"))
            << ")\n";
      } else {
        installed += (installed.empty() ? "" : ", ") + name_version;
      }
      continue;
    }
    out << "  " << std::left << std::setw(10) << kind << std::setw(20) << plain(need.at("instance")) << std::right;
    if (need.at("loadable").get<bool>()) {
      out << "loadable from " << plain(need.at("plugin")) << " (" << plain(need.at("file")) << ")\n";
    } else {
      out << "NOT LOADABLE: no plugin in the search path registers " << kind << " '" << plain(need.at("name"))
          << "'; its state would be ignored\n";
    }
  }
  if (!installed.empty()) out << "  " << std::left << std::setw(10) << "plugins" << std::right << "installed here: " << installed << "\n";
  return out.str();
}

// What a Composer or Cairn checkpoint says about its run: keys, run name,
// seed, the time counters, metadata and the callback and algorithm state.
std::string format_run_state(const nlohmann::json& report) {
  std::ostringstream out;
  out << "top-level keys:  " << joined(report.at("top_level_keys")) << "\n"
      << "state keys:      " << joined(report.at("state_keys")) << "\n"
      << "run name:        " << (report.at("run_name").is_null() ? "(not stored)" : plain(report.at("run_name")))
      << "\n"
      << "rank_zero_seed:  "
      << (report.at("rank_zero_seed").is_null() ? "(not stored)" : plain(report.at("rank_zero_seed"))) << "\n";

  const nlohmann::json& ts = report.at("timestamp");
  out << "timestamp:      ";
  if (ts.is_object()) {
    // Composer's order (the JSON object sorts its keys); anything else after.
    static const char* kOrder[] = {
        "iteration",      "epoch",           "batch",          "sample",    "token",
        "epoch_in_iteration", "token_in_iteration", "batch_in_epoch", "sample_in_epoch", "token_in_epoch",
        "total_wct",      "iteration_wct",   "epoch_wct",      "batch_wct"};
    std::set<std::string> shown;
    for (const char* key : kOrder) {
      if (!ts.contains(key)) continue;
      out << " " << key << "=" << plain(ts.at(key));
      shown.insert(key);
    }
    for (const auto& item : ts.items()) {
      if (!shown.count(item.key())) out << " " << item.key() << "=" << plain(item.value());
    }
  } else {
    out << " (not stored)";
  }
  out << "\n";

  // Empty values say nothing; the plugins list is shown under "plugins needed".
  std::vector<std::pair<std::string, std::string>> metadata_lines;
  const nlohmann::json& metadata = report.at("metadata");
  if (metadata.is_object()) {
    for (const auto& item : metadata.items()) {
      if (item.key() == "plugins" || ((item.value().is_array() || item.value().is_object()) && item.value().empty()))
        continue;
      metadata_lines.emplace_back(item.key(), plain(item.value()));
    }
  }
  if (!metadata_lines.empty()) {
    out << "metadata:\n";
    for (const auto& [key, value] : metadata_lines) out << "  " << key << ": " << value << "\n";
  }

  if (!report.at("callbacks").empty()) out << "callback state:  " << joined(report.at("callbacks")) << "\n";
  if (!report.at("algorithms").empty()) out << "algorithm state: " << joined(report.at("algorithms")) << "\n";
  return out.str();
}

}  // namespace

std::string format_checkpoint_report(const nlohmann::json& report, bool all_tensors) {
  std::ostringstream out;
  const bool torch_save_file = report.value("format", "composer") == "torch.save";
  out << "checkpoint:      " << plain(report.at("path")) << "\n";
  if (torch_save_file) {
    out << "format:          torch.save file, not a Composer checkpoint (it has no 'state' dict)\n"
        << "top-level keys:  " << joined(report.at("top_level_keys")) << "\n";
  } else {
    out << format_run_state(report);
  }
  if (report.contains("plugins_needed") && !report.at("plugins_needed").empty()) {
    out << "plugins needed:\n" << format_plugins_needed(report.at("plugins_needed"));
  }

  out << "sections:\n"
      << "  " << std::left << std::setw(16) << "section" << std::right << std::setw(8) << "tensors" << std::setw(14)
      << "bytes" << "\n";
  // In the checkpoint's order (the JSON object sorts its keys), then rng;
  // sections without tensors (timestamp, run_name, ...) would be noise.
  nlohmann::json order = report.at(torch_save_file ? "top_level_keys" : "state_keys");
  order.push_back(torch_save_file ? kTopLevelSection : "rng");
  const nlohmann::json& sections = report.at("sections");
  for (const auto& name_json : order) {
    const std::string name = name_json.get<std::string>();
    if (!sections.contains(name) || sections.at(name).at("tensors").get<int64_t>() == 0) continue;
    const nlohmann::json& section = sections.at(name);
    out << "  " << std::left << std::setw(16) << name << std::right << std::setw(8)
        << section.at("tensors").get<int64_t>() << std::setw(14) << human_bytes(section.at("bytes").get<int64_t>())
        << "\n";
  }
  if (report.contains("tensors")) out << format_tensors(report.at("tensors"), all_tensors);
  if (report.contains("python_objects") && !report.at("python_objects").empty()) {
    // Pickled by Python (a Composer or torch.save file); never executed, never loaded.
    out << "python objects (kept as placeholders, not loaded):\n";
    for (const auto& o : report.at("python_objects")) {
      out << "  " << plain(o.at("name")) << ": " << plain(o.at("class")) << "\n";
    }
  }
  return out.str();
}

}  // namespace cairn::cli
