#include "cli/inspect_report.h"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include <ATen/core/Dict.h>
#include <ATen/core/Tensor.h>

#include "cairn/errors.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/pickle/tensor_rebuild.h"

namespace cairn::cli {
namespace {

namespace pickle = checkpoint::pickle;

// Tensors listed without --tensors: enough to see the model's first layers.
constexpr size_t kTensorsInSummary = 8;

struct TensorTally {
  int64_t tensors = 0;
  int64_t bytes = 0;
};

const c10::IValue* ndarray_data(const c10::IValue& value) {
  if (pickle::pickled_kind(value) != "ndarray") return nullptr;
  const auto d = value.toGenericDict();
  const auto it = d.find("data");
  return it != d.end() && it->value().isTensor() ? &it->value() : nullptr;
}

// Python objects a foreign checkpoint pickled (pickled_object.h) are not
// state Cairn loads: their insides are neither counted nor listed.
bool is_opaque(const c10::IValue& value) {
  const std::string kind = pickle::pickled_kind(value);
  return kind == "object" || kind == "reference" || kind == "dtype";
}

void tally(const c10::IValue& value, TensorTally& out) {
  if (const c10::IValue* data = ndarray_data(value)) {
    tally(*data, out);
  } else if (is_opaque(value)) {
    return;
  } else if (value.isTensor()) {
    const at::Tensor& t = value.toTensor();
    if (!t.defined()) return;
    out.tensors += 1;
    out.bytes += static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) tally(entry.value(), out);
  } else if (value.isList()) {
    for (const auto& item : value.toListRef()) tally(item, out);
  } else if (value.isTuple()) {
    for (const auto& item : value.toTupleRef().elements()) tally(item, out);
  }
}

std::string key_text(const c10::IValue& key);

// torch's Python spelling (float32, int64), as Composer users know it.
std::string dtype_name(c10::ScalarType type) {
  return checkpoint::pickle::dtype_python_name(type).value_or(c10::toString(type));
}

// Every defined tensor under `value`, named by its path of dict keys (joined
// with '.') and list positions ("[0]").
void list_tensors(const c10::IValue& value, const std::string& name, nlohmann::json& out) {
  if (ndarray_data(value) != nullptr) {
    const auto d = value.toGenericDict();
    out.push_back({{"name", name}, {"dtype", "numpy " + d.at("dtype").toStringRef()},
                   {"shape", ndarray_data(value)->toTensor().sizes().vec()}});
  } else if (is_opaque(value)) {
    return;
  } else if (value.isTensor()) {
    const at::Tensor& t = value.toTensor();
    if (!t.defined()) return;
    out.push_back({{"name", name}, {"dtype", dtype_name(t.scalar_type())}, {"shape", t.sizes().vec()}});
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) {
      list_tensors(entry.value(), name.empty() ? key_text(entry.key()) : name + "." + key_text(entry.key()), out);
    }
  } else if (value.isList()) {
    size_t i = 0;
    for (const auto& item : value.toListRef()) list_tensors(item, name + "[" + std::to_string(i++) + "]", out);
  } else if (value.isTuple()) {
    size_t i = 0;
    for (const auto& item : value.toTupleRef().elements()) {
      list_tensors(item, name + "[" + std::to_string(i++) + "]", out);
    }
  }
}

// Python objects under `value` that the checkpoint holds as placeholders,
// by key path and class.
void list_python_objects(const c10::IValue& value, const std::string& name, nlohmann::json& out) {
  const std::string kind = pickle::pickled_kind(value);
  if (kind == "object" || kind == "reference") {
    out.push_back({{"name", name}, {"class", *pickle::pickled_class(value)}, {"kind", kind}});
  } else if (value.isGenericDict() && kind.empty()) {
    for (const auto& entry : value.toGenericDict()) {
      list_python_objects(entry.value(), name.empty() ? key_text(entry.key()) : name + "." + key_text(entry.key()), out);
    }
  } else if (value.isList() || value.isTuple()) {
    const c10::ArrayRef<c10::IValue> items =
        value.isList() ? value.toListRef() : c10::ArrayRef<c10::IValue>(value.toTupleRef().elements());
    for (size_t i = 0; i < items.size(); ++i) list_python_objects(items[i], name + "[" + std::to_string(i) + "]", out);
  }
}

std::string key_text(const c10::IValue& key) {
  if (key.isString()) return key.toStringRef();
  return ivalue_to_json(key).dump();
}

nlohmann::json dict_keys(const c10::IValue& dict) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& entry : dict.toGenericDict()) keys.push_back(key_text(entry.key()));
  return keys;
}

const c10::IValue* find(const c10::IValue& dict, const std::string& key) {
  if (!dict.isGenericDict()) return nullptr;
  const auto d = dict.toGenericDict();
  for (const auto& entry : d) {
    if (entry.key().isString() && entry.key().toStringRef() == key) return &entry.value();
  }
  return nullptr;
}

// Names of the callbacks or algorithms whose state is stored: a dict keyed by
// name (Cairn, and Composer's callbacks), or a list of (name, state) pairs
// (Composer's algorithms).
nlohmann::json stateful_names(const c10::IValue* section) {
  nlohmann::json names = nlohmann::json::array();
  if (!section) return names;
  if (section->isGenericDict()) return dict_keys(*section);
  if (section->isList()) {
    for (const auto& item : section->toListRef()) {
      if (item.isTuple() && !item.toTupleRef().elements().empty()) {
        names.push_back(key_text(item.toTupleRef().elements()[0]));
      } else if (item.isList() && !item.toListRef().empty()) {
        names.push_back(key_text(item.toListRef()[0]));
      }
    }
  }
  return names;
}

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

}  // namespace

nlohmann::json ivalue_to_json(const c10::IValue& value) {
  if (value.isNone()) return nullptr;
  if (const std::optional<std::string> cls = pickle::pickled_class(value)) {
    const std::string kind = pickle::pickled_kind(value);
    if (const c10::IValue* data = ndarray_data(value)) {
      std::ostringstream text;
      text << "numpy.ndarray " << value.toGenericDict().at("dtype").toStringRef() << data->toTensor().sizes();
      return text.str();
    }
    if (kind == "dtype") return "numpy.dtype " + value.toGenericDict().at("dtype").toStringRef();
    return (kind == "reference" ? "<python global " : "<python object ") + *cls + ">";
  }
  if (value.isDevice()) return value.toDevice().str();
  if (value.isBool()) return value.toBool();
  if (value.isInt()) return value.toInt();
  if (value.isDouble()) return value.toDouble();
  if (value.isString()) return value.toStringRef();
  if (value.isTensor()) {
    const at::Tensor& t = value.toTensor();
    if (!t.defined()) return "tensor (undefined)";
    std::ostringstream text;
    text << "tensor " << dtype_name(t.scalar_type()) << t.sizes();
    return text.str();
  }
  if (value.isGenericDict()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& entry : value.toGenericDict()) out[key_text(entry.key())] = ivalue_to_json(entry.value());
    return out;
  }
  if (value.isList()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value.toListRef()) out.push_back(ivalue_to_json(item));
    return out;
  }
  if (value.isTuple()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value.toTupleRef().elements()) out.push_back(ivalue_to_json(item));
    return out;
  }
  return std::string("<") + value.tagKind() + ">";
}

nlohmann::json describe_checkpoint(const c10::IValue& root, const std::string& path) {
  if (!root.isGenericDict()) {
    throw CheckpointError("'" + path + "' does not hold a checkpoint: its top level is a " + root.tagKind() +
                          ", not a dict with a 'state' entry");
  }
  const c10::IValue* state = find(root, "state");
  if (!state || !state->isGenericDict()) {
    throw CheckpointError("'" + path + "' does not hold a checkpoint: it has no 'state' dict (top-level keys: " +
                          joined(dict_keys(root)) + ")");
  }

  nlohmann::json report;
  report["path"] = path;
  report["top_level_keys"] = dict_keys(root);
  report["state_keys"] = dict_keys(*state);

  nlohmann::json timestamp = nullptr;
  if (const c10::IValue* ts = find(*state, "timestamp")) {
    // Composer wraps the counters as {'Timestamp': {...}}.
    const c10::IValue* inner = find(*ts, "Timestamp");
    timestamp = ivalue_to_json(inner ? *inner : *ts);
  }
  report["timestamp"] = timestamp;
  const c10::IValue* run_name = find(*state, "run_name");
  report["run_name"] = run_name ? ivalue_to_json(*run_name) : nlohmann::json(nullptr);
  const c10::IValue* seed = find(*state, "rank_zero_seed");
  report["rank_zero_seed"] = seed ? ivalue_to_json(*seed) : nlohmann::json(nullptr);
  const c10::IValue* metadata = find(*state, "metadata");
  report["metadata"] = metadata ? ivalue_to_json(*metadata) : nlohmann::json::object();
  report["callbacks"] = stateful_names(find(*state, "callbacks"));
  report["algorithms"] = stateful_names(find(*state, "algorithms"));

  nlohmann::json sections = nlohmann::json::object();
  for (const auto& entry : state->toGenericDict()) {
    TensorTally t;
    tally(entry.value(), t);
    sections[key_text(entry.key())] = {{"tensors", t.tensors}, {"bytes", t.bytes}};
  }
  if (const c10::IValue* rng = find(root, "rng")) {
    TensorTally t;
    tally(*rng, t);
    sections["rng"] = {{"tensors", t.tensors}, {"bytes", t.bytes}};
  }
  report["sections"] = sections;
  nlohmann::json tensors = nlohmann::json::array();
  list_tensors(*state, "", tensors);
  if (const c10::IValue* rng = find(root, "rng")) list_tensors(*rng, "rng", tensors);
  report["tensors"] = tensors;
  nlohmann::json objects = nlohmann::json::array();
  list_python_objects(*state, "", objects);
  if (const c10::IValue* rng = find(root, "rng")) list_python_objects(*rng, "rng", objects);
  report["python_objects"] = objects;
  return report;
}

std::string format_checkpoint_report(const nlohmann::json& report, bool all_tensors) {
  std::ostringstream out;
  out << "checkpoint:      " << plain(report.at("path")) << "\n"
      << "top-level keys:  " << joined(report.at("top_level_keys")) << "\n"
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
  if (report.contains("plugins_needed") && !report.at("plugins_needed").empty()) {
    out << "plugins needed:\n" << format_plugins_needed(report.at("plugins_needed"));
  }

  out << "sections:\n"
      << "  " << std::left << std::setw(16) << "section" << std::right << std::setw(8) << "tensors" << std::setw(14)
      << "bytes" << "\n";
  // In the checkpoint's order (the JSON object sorts its keys), then rng;
  // sections without tensors (timestamp, run_name, ...) would be noise.
  nlohmann::json order = report.at("state_keys");
  order.push_back("rng");
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
