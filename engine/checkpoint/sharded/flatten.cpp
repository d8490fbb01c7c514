#include "checkpoint/sharded/flatten.h"

#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "cairn/errors.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/pickle/torchscript_containers.h"

namespace cairn::checkpoint::sharded {
namespace {

using nlohmann::json;

bool holds_tensor(const c10::IValue& v) {
  if (v.isTensor()) return true;
  if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict())
      if (holds_tensor(e.key()) || holds_tensor(e.value())) return true;
  } else if (v.isList()) {
    for (const auto& e : v.toListRef())
      if (holds_tensor(e)) return true;
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements())
      if (holds_tensor(e)) return true;
  }
  return false;
}

// A dict to flatten: string keys, not empty, and not a pickled Python object
// without tensors (kept whole, as Composer's torchmetrics objects are).
bool string_keyed(const c10::IValue& v) {
  if (!v.isGenericDict() || v.toGenericDict().empty()) return false;
  if (pickle::pickled_class(v) && !holds_tensor(v)) return false;
  for (const auto& e : v.toGenericDict())
    if (!e.key().isString()) return false;
  return true;
}

std::string join(const std::string& prefix, const std::string& key) { return prefix.empty() ? key : prefix + "." + key; }

// Appends `v`'s leaves under `path` to `out` and returns its layout node.
json flatten_into(const c10::IValue& v, const std::string& path, std::vector<FlatItem>& out, std::set<std::string>& seen) {
  const bool sequence = (v.isList() || v.isTuple()) && holds_tensor(v);
  if (!string_keyed(v) && !sequence) {
    if (!seen.insert(path).second) {
      throw CheckpointError("cannot save a sharded checkpoint: two entries have the dotted key '" + path +
                            "' (a key holding '.' beside nested keys that join the same way); rename one");
    }
    out.push_back({path, v});
    return json{{"t", "item"}};
  }
  json children = json::array();
  if (v.isGenericDict()) {
    for (const auto& e : v.toGenericDict()) {
      const std::string& key = e.key().toStringRef();
      children.push_back(json::array({key, flatten_into(e.value(), join(path, key), out, seen)}));
    }
    return json{{"t", "dict"}, {"type", v.type()->annotation_str()}, {"c", children}};
  }
  const std::vector<c10::IValue> elements =
      v.isList() ? v.toListRef().vec() : std::vector<c10::IValue>(v.toTupleRef().elements().begin(), v.toTupleRef().elements().end());
  for (size_t i = 0; i < elements.size(); ++i) {
    children.push_back(json::array({std::to_string(i), flatten_into(elements[i], join(path, std::to_string(i)), out, seen)}));
  }
  return json{{"t", v.isList() ? "list" : "tuple"}, {"type", v.type()->annotation_str()}, {"c", children}};
}

c10::TypePtr type_or_any(const json& node) {
  try {
    return pickle::parse_type_tag(node.at("type").get<std::string>());
  } catch (const std::exception&) {
    return nullptr;  // a type outside the common ones: rebuilt as Any
  }
}

struct Rebuilder {
  const std::map<std::string, c10::IValue>& items;
  const std::string& name;

  c10::IValue build(const json& node, const std::string& path) const {
    const std::string kind = node.at("t").get<std::string>();
    if (kind == "item") {
      const auto it = items.find(path);
      if (it == items.end()) {
        throw CheckpointError("sharded checkpoint '" + name + "' has no item '" + path +
                              "' though its layout names it; the folder is incomplete, pick another checkpoint");
      }
      return it->second;
    }
    const c10::TypePtr type = type_or_any(node);
    const json& children = node.at("c");
    if (kind == "dict") {
      c10::TypePtr value_type = c10::AnyType::get();
      if (type && type->kind() == c10::TypeKind::DictType) value_type = type->expectRef<c10::DictType>().getValueType();
      c10::impl::GenericDict d(c10::StringType::get(), value_type);
      for (const json& c : children) {
        const std::string key = c.at(0).get<std::string>();
        d.insert(key, build(c.at(1), join(path, key)));
      }
      return d;
    }
    std::vector<c10::IValue> elements;
    for (const json& c : children) elements.push_back(build(c.at(1), join(path, c.at(0).get<std::string>())));
    if (kind == "tuple") return c10::ivalue::Tuple::create(std::move(elements));
    c10::TypePtr element_type = c10::AnyType::get();
    if (type && type->kind() == c10::TypeKind::ListType) element_type = type->expectRef<c10::ListType>().getElementType();
    c10::impl::GenericList l(element_type);
    for (auto& e : elements) l.push_back(std::move(e));
    return l;
  }
};

c10::impl::GenericDict new_dict() { return c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get()); }

// A folder without a layout: "a.b.c" becomes root["a"]["b"]["c"].
c10::IValue nest_dotted(const std::vector<FlatItem>& items, const std::string& name) {
  c10::impl::GenericDict root = new_dict();
  for (const FlatItem& item : items) {
    c10::impl::GenericDict d = root;
    size_t start = 0;
    for (size_t dot; (dot = item.key.find('.', start)) != std::string::npos; start = dot + 1) {
      const std::string part = item.key.substr(start, dot - start);
      auto it = d.find(part);
      if (it == d.end()) {
        d.insert(part, new_dict());
        it = d.find(part);
      } else if (!it->value().isGenericDict()) {
        throw CheckpointError("sharded checkpoint '" + name + "' has both an item '" + item.key.substr(0, dot) +
                              "' and items below it; the keys collide, pick another checkpoint");
      }
      d = it->value().toGenericDict();
    }
    d.insert_or_assign(item.key.substr(start), item.value);
  }
  return root;
}

}  // namespace

FlatCheckpoint flatten(const c10::IValue& root) {
  if (!root.isGenericDict()) {
    throw CheckpointError(std::string("cannot save a sharded checkpoint of a ") + root.tagKind() +
                          "; its root must be a dict with string keys");
  }
  FlatCheckpoint flat;
  if (root.toGenericDict().empty()) {
    flat.layout = json{{"t", "dict"}, {"type", root.type()->annotation_str()}, {"c", json::array()}}.dump();
    return flat;
  }
  if (!string_keyed(root)) throw CheckpointError("cannot save a sharded checkpoint: its root dict has keys that are not strings");
  std::set<std::string> seen;
  flat.layout = flatten_into(root, "", flat.items, seen).dump();
  return flat;
}

c10::IValue unflatten(const std::vector<FlatItem>& items, const std::string& layout, const std::string& name) {
  if (layout.empty()) return nest_dotted(items, name);
  std::map<std::string, c10::IValue> by_key;
  for (const FlatItem& item : items) by_key.emplace(item.key, item.value);
  try {
    return Rebuilder{by_key, name}.build(json::parse(layout), "");
  } catch (const json::exception& e) {
    throw CheckpointError("sharded checkpoint '" + name + "' has a cairn_layout that does not parse (" + e.what() +
                          "); the .metadata is damaged, pick another checkpoint");
  }
}

}  // namespace cairn::checkpoint::sharded
