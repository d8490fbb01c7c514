// Reading an algorithm's own state_dict() back, with errors that name the
// algorithm and the bad entry ("algorithm EMA: saved 'num_updates' ...").
//
// As Composer's algorithms do, a key that is absent keeps the algorithm's
// current value: `load_ignore_keys: ["state/algorithms/EMA/*"]` leaves an empty
// dict, and loading it is a fresh start.
#pragma once

#include <ATen/core/ivalue.h>

#include <string>

#include "cairn/errors.h"

namespace cairn::plugins {

class StateReader {
 public:
  // `owner` names the algorithm in messages, e.g. "algorithm EMA".
  StateReader(const c10::IValue& state, std::string owner) : owner_(std::move(owner)) {
    if (state.isNone()) return;  // nothing saved: everything stays as it is
    if (!state.isGenericDict()) fail("", "is not a dict (got " + state.tagKind() + ")");
    dict_ = state.toGenericDict();
  }

  bool has(const std::string& key) const { return dict_ && dict_->contains(key); }
  // Present and not None.
  bool has_value(const std::string& key) const { return has(key) && !dict_->at(key).isNone(); }

  // Sets `out` from `key` when present; a value of the wrong type is an error.
  void read(const std::string& key, bool& out) const {
    if (auto v = value(key)) out = checked(key, *v, v->isBool(), "a bool").toBool();
  }
  void read(const std::string& key, int64_t& out) const {
    if (auto v = value(key)) out = checked(key, *v, v->isInt(), "an int").toInt();
  }
  void read(const std::string& key, double& out) const {
    if (auto v = value(key)) out = checked(key, *v, v->isDouble(), "a float").toDouble();
  }
  void read(const std::string& key, std::string& out) const {
    if (auto v = value(key)) out = checked(key, *v, v->isString(), "a str").toStringRef();
  }
  // A dict of str -> value; absent keys give an empty optional.
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
                          "; the checkpoint was not written by this algorithm, or is damaged (skip it with "
                          "load_exclude_algorithms)");
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

  std::string owner_;
  c10::optional<c10::impl::GenericDict> dict_;
};

}  // namespace cairn::plugins
