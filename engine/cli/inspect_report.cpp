#include "cli/inspect_report.h"

#include <algorithm>
#include <sstream>

#include <ATen/core/Dict.h>
#include <ATen/core/Tensor.h>

#include "cairn/errors.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/pickle/tensor_rebuild.h"

namespace cairn::cli {
namespace {

namespace pickle = checkpoint::pickle;

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

// A file torch.save wrote that is not a Composer checkpoint (a bare
// state_dict, say): the same report with no run state, one section per
// top-level key.
nlohmann::json describe_torch_save_file(const c10::IValue& root, const std::string& path) {
  const bool dict = root.isGenericDict();
  nlohmann::json report;
  report["path"] = path;
  report["format"] = "torch.save";
  report["top_level_keys"] = dict ? dict_keys(root) : nlohmann::json::array();
  report["state_keys"] = nlohmann::json::array();
  report["timestamp"] = nullptr;
  report["run_name"] = nullptr;
  report["rank_zero_seed"] = nullptr;
  report["metadata"] = nlohmann::json::object();
  report["callbacks"] = nlohmann::json::array();
  report["algorithms"] = nlohmann::json::array();
  nlohmann::json sections = nlohmann::json::object();
  const auto add_section = [&sections](const std::string& name, const c10::IValue& value) {
    TensorTally t;
    tally(value, t);
    sections[name] = {{"tensors", t.tensors}, {"bytes", t.bytes}};
  };
  if (dict) {
    for (const auto& entry : root.toGenericDict()) add_section(key_text(entry.key()), entry.value());
  } else {
    add_section(kTopLevelSection, root);
  }
  report["sections"] = sections;
  nlohmann::json tensors = nlohmann::json::array();
  list_tensors(root, "", tensors);
  report["tensors"] = tensors;
  nlohmann::json objects = nlohmann::json::array();
  list_python_objects(root, "", objects);
  report["python_objects"] = objects;
  return report;
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
  const c10::IValue* state = root.isGenericDict() ? find(root, "state") : nullptr;
  if (!state || !state->isGenericDict()) return describe_torch_save_file(root, path);

  nlohmann::json report;
  report["path"] = path;
  report["format"] = "composer";
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

}  // namespace cairn::cli
