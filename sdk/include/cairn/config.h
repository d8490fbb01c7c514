// Reading a plugin's JSON config with errors that name the plugin and field.
//
//   cairn::Config cfg("mlp", json);
//   int64_t hidden = cfg.get<int64_t>("hidden", 64);
//   cfg.finish();  // ConfigError on any field that was not read: catches typos
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/export.h"

namespace cairn {

class CAIRN_EXPORT Config {
 public:
  // `owner` names what is being configured in messages ("model 'mlp'").
  // Throws ConfigError unless `json` is an object or null.
  Config(std::string owner, const nlohmann::json& json);

  // Also counts `field` as known: a factory that asks about a field reads it,
  // so finish()'s list of known fields names it even when it is absent.
  bool has(const std::string& field) const;

  template <typename T>
  T get(const std::string& field, const T& fallback) {
    if (!has(field)) {
      read_.insert(field);
      return fallback;
    }
    return require<T>(field);
  }

  template <typename T>
  T require(const std::string& field) {
    read_.insert(field);
    if (!has(field)) fail(field, "is required");
    try {
      return json_.at(field).get<T>();
    } catch (const nlohmann::json::exception&) {
      fail(field, "has the wrong type (got " + std::string(json_.at(field).type_name()) + ": " +
                      json_.at(field).dump() + ")");
    }
  }

  // ConfigError listing every field that no get/require asked for.
  void finish() const;

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const;
  const std::string& owner() const { return owner_; }

 private:
  std::string owner_;
  nlohmann::json json_;
  mutable std::set<std::string> read_;
};

}  // namespace cairn
