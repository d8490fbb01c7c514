// Storing and restoring a callback's state as plain IValues.
//
// Every field is optional on load: a state trimmed by load_ignore_keys
// (e.g. state/callbacks/SpeedMonitor/history_wct) keeps the live value of what
// is missing instead of failing. A field of the wrong type is a
// CheckpointError naming the owner and the field.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <ATen/core/ivalue.h>

#include "cairn/errors.h"
#include "cairn/state_dict.h"

namespace cairn::plugins {

class StateReader {
 public:
  // `owner` names the plugin in errors ("callback 'SpeedMonitor'").
  StateReader(std::string owner, const c10::IValue& state) : owner_(std::move(owner)) {
    if (state.isGenericDict()) dict_ = state.toGenericDict();
    else if (!state.isNone()) fail("(root)", "a dict", state);
  }

  void restore(const char* key, int64_t& out) const {
    if (const auto* v = find(key)) out = v->isInt() ? v->toInt() : (fail(key, "an int", *v), 0);
  }
  void restore(const char* key, double& out) const {
    if (const auto* v = find(key)) out = number(key, *v);
  }
  void restore(const char* key, bool& out) const {
    if (const auto* v = find(key)) out = v->isBool() ? v->toBool() : (fail(key, "a bool", *v), false);
  }
  void restore(const char* key, std::string& out) const {
    if (const auto* v = find(key)) out = v->isString() ? v->toStringRef() : (fail(key, "a string", *v), "");
  }
  // None means "not set".
  void restore(const char* key, std::optional<double>& out) const {
    if (const auto* v = find(key)) out = v->isNone() ? std::nullopt : std::optional<double>(number(key, *v));
  }
  void restore(const char* key, std::deque<double>& out) const {
    if (const auto* v = find(key)) {
      if (!v->isList()) fail(key, "a list of numbers", *v);
      std::deque<double> values;
      for (const auto& item : v->toListRef()) values.push_back(number(key, item));
      out = std::move(values);
    }
  }

 private:
  const c10::IValue* find(const char* key) const {
    if (!dict_) return nullptr;
    auto it = dict_->find(std::string(key));
    return it == dict_->end() ? nullptr : &it->value();
  }
  double number(const char* key, const c10::IValue& v) const {
    if (v.isDouble()) return v.toDouble();
    if (v.isInt()) return double(v.toInt());
    fail(key, "a number", v);
  }
  [[noreturn]] void fail(const std::string& key, const std::string& wanted, const c10::IValue& got) const {
    throw CheckpointError("the stored state of " + owner_ + " has '" + key + "' as " + got.tagKind() + ", expected " +
                          wanted + "; drop it with load_ignore_keys or disable the plugin");
  }

  std::string owner_;
  std::optional<c10::impl::GenericDict> dict_;
};

// A list of doubles as Python reads it (a list of floats).
inline c10::IValue to_list(const std::deque<double>& values) {
  c10::List<double> list;
  for (double v : values) list.push_back(v);
  return list;
}

inline c10::IValue optional_value(const std::optional<double>& value) {
  return value ? c10::IValue(*value) : c10::IValue();
}

}  // namespace cairn::plugins
