// StateReader: reading a plugin's own state_dict() back on resume, with
// one-line errors that name the plugin and the bad entry ("algorithm EMA:
// saved 'num_updates' should be an int (got String); ...").
//
// Why: a checkpoint may come from an older version of the plugin, from
// Composer, or have fields removed by the user's load_ignore_keys, and
// IValue's own accessors fail with a bare c10::Error that names nothing.
//
// The contract, as in Composer: every field is optional on load. A key that is
// absent leaves the plugin's current value alone, so
// `load_ignore_keys: ["state/algorithms/EMA/*"]` (an empty dict: a fresh
// start) and ignoring one field (state/callbacks/SpeedMonitor/history_wct)
// both work. A saved value of None is "nothing saved". A field of the wrong
// type, or a state that is not a dict, is a CheckpointError naming the plugin,
// the field and what was found, and saying how to skip it.
//
//   void load_state_dict(const c10::IValue& saved) override {
//     cairn::StateReader r("callback 'EpochCounter'", saved);
//     r.read("count", count_);          // int64_t; absent: count_ unchanged
//   }
//
// Training layer (Cairn::sdk): header-only, needs LibTorch's IValue.
// cairn/state_writer.h writes the field kinds that need converting.
#pragma once

#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <ATen/core/ivalue.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "cairn/errors.h"

namespace cairn {

class StateReader {
 public:
  // `owner` names the plugin in errors: "algorithm EMA", "callback 'SpeedMonitor'".
  StateReader(std::string owner, const c10::IValue& state) : owner_(std::move(owner)) {
    if (state.isNone()) return;  // nothing saved: everything stays as it is
    if (!state.isGenericDict()) fail("", "is not a dict (got " + state.tagKind() + ")");
    dict_ = state.toGenericDict();
  }

  bool has(const std::string& key) const { return dict_ && dict_->contains(key); }
  // Present and not None.
  bool has_value(const std::string& key) const { return has(key) && !dict_->at(key).isNone(); }

  // Each read() sets `out` from `key` when present and leaves it alone when not.
  void read(const std::string& key, bool& out) const {
    if (auto v = value(key)) out = checked(key, *v, v->isBool(), "a bool").toBool();
  }
  void read(const std::string& key, int64_t& out) const {
    if (auto v = value(key)) out = checked(key, *v, v->isInt(), "an int").toInt();
  }
  // Python writes a whole number as an int where it computed one, so a float
  // field takes either.
  void read(const std::string& key, double& out) const {
    if (auto v = value(key)) out = number(key, *v, "should be a number");
  }
  void read(const std::string& key, std::string& out) const {
    if (auto v = value(key)) out = checked(key, *v, v->isString(), "a str").toStringRef();
  }
  // None means "not set".
  void read(const std::string& key, std::optional<double>& out) const {
    auto v = value(key);
    if (v) out = v->isNone() ? std::nullopt : std::optional<double>(number(key, *v, "should be a number or None"));
  }
  void read(const std::string& key, std::deque<double>& out) const {
    auto items = list(key);
    if (!items) return;
    std::deque<double> values;
    for (const c10::IValue item : *items) values.push_back(number(key, item, "should hold only numbers"));
    out = std::move(values);
  }

  // A dict of str -> value; absent gives an empty optional.
  c10::optional<c10::impl::GenericDict> dict(const std::string& key) const {
    auto v = value(key);
    if (!v) return c10::nullopt;
    return checked(key, *v, v->isGenericDict(), "a dict").toGenericDict();
  }
  c10::optional<c10::impl::GenericList> list(const std::string& key) const {
    auto v = value(key);
    if (!v) return c10::nullopt;
    return checked(key, *v, v->isList(), "a list").toList();
  }

  std::string path(const std::string& key) const {
    return key.empty() ? owner_ + ": saved state" : owner_ + ": saved '" + key + "'";
  }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw CheckpointError(path(key) + " " + problem +
                          "; the checkpoint was not written by this plugin, or is damaged (skip this state with "
                          "load_ignore_keys, or load_exclude_algorithms for an algorithm)");
  }

 private:
  c10::optional<c10::IValue> value(const std::string& key) const {
    if (!has(key)) return c10::nullopt;
    return dict_->at(key);
  }
  const c10::IValue& checked(const std::string& key, const c10::IValue& v, bool ok, const char* wanted) const {
    if (!ok) fail(key, std::string("should be ") + wanted + " (got " + v.tagKind() + ")");
    return v;
  }
  double number(const std::string& key, const c10::IValue& v, const char* problem) const {
    if (v.isDouble()) return v.toDouble();
    if (v.isInt()) return double(v.toInt());
    fail(key, std::string(problem) + " (got " + v.tagKind() + ")");
  }

  std::string owner_;
  c10::optional<c10::impl::GenericDict> dict_;
};

}  // namespace cairn
