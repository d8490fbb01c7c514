#include "checkpoint/pickle/pickled_object.h"

#include <ATen/core/Dict.h>

namespace cairn::checkpoint::pickle {

c10::impl::GenericDict make_pickled(const std::string& qualname, const std::string& kind) {
  c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
  d.insert(kPickledKey, qualname);
  d.insert("kind", kind);
  return d;
}

c10::IValue make_reference(const std::string& qualname) { return make_pickled(qualname, "reference"); }

c10::IValue make_placeholder(const std::string& qualname, const c10::IValue& args) {
  auto d = make_pickled(qualname, "object");
  d.insert("args", args);
  d.insert("state", c10::IValue());
  return d;
}

std::optional<std::string> pickled_class(const c10::IValue& value) {
  if (!value.isGenericDict()) return std::nullopt;
  const auto& d = value.toGenericDict();
  if (d.size() < 2) return std::nullopt;
  const auto it = d.find(kPickledKey);
  if (it == d.end() || !it->value().isString()) return std::nullopt;
  return it->value().toStringRef();
}

std::string pickled_kind(const c10::IValue& value) {
  if (!pickled_class(value)) return "";
  const auto& d = value.toGenericDict();
  const auto it = d.find("kind");
  return it != d.end() && it->value().isString() ? it->value().toStringRef() : "";
}

}  // namespace cairn::checkpoint::pickle
