// Reading a plugin's JSON config with errors that name the plugin and field.
//
//   cairn::Config cfg("mlp", json);
//   int64_t hidden = cfg.get<int64_t>("hidden", 64);
//   cfg.finish();  // ConfigError on any field that was not read: catches typos
//
// Values are type-checked strictly: an integer field takes only a JSON integer
// in its range (not 2.5, true or "32"), a number field any JSON number, a
// switch only true or false. A wrong type names the field, the type expected
// and the value given.
#pragma once

#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/export.h"
#include "cairn/time.h"

namespace cairn {

namespace config_detail {

// How a JSON value is checked and read as T; `expected` says what it takes,
// for messages ("an integer", "a list of numbers").
template <typename T, typename = void>
struct Reader {
  static std::string expected() { return "a value of another type"; }
  static bool accepts(const nlohmann::json& v) {
    try {
      (void)v.get<T>();
      return true;
    } catch (const nlohmann::json::exception&) {
      return false;
    }
  }
  static T read(const nlohmann::json& v) { return v.get<T>(); }
};

template <>
struct Reader<nlohmann::json> {
  static std::string expected() { return "any JSON value"; }
  static bool accepts(const nlohmann::json&) { return true; }
  static nlohmann::json read(const nlohmann::json& v) { return v; }
};

template <>
struct Reader<bool> {
  static std::string expected() { return "true or false"; }
  static bool accepts(const nlohmann::json& v) { return v.is_boolean(); }
  static bool read(const nlohmann::json& v) { return v.get<bool>(); }
};

template <>
struct Reader<std::string> {
  static std::string expected() { return "a string"; }
  static bool accepts(const nlohmann::json& v) { return v.is_string(); }
  static std::string read(const nlohmann::json& v) { return v.get<std::string>(); }
};

template <typename T>
struct Reader<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static std::string expected() {
    if constexpr (std::is_unsigned_v<T>) return "a non-negative integer";
    return "an integer";
  }
  static bool accepts(const nlohmann::json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max());
    if (v.is_number_integer()) {
      const int64_t n = v.get<int64_t>();
      if constexpr (std::is_unsigned_v<T>) return n >= 0 && uint64_t(n) <= uint64_t(std::numeric_limits<T>::max());
      return n >= int64_t(std::numeric_limits<T>::min()) && n <= int64_t(std::numeric_limits<T>::max());
    }
    return false;
  }
  static T read(const nlohmann::json& v) { return v.get<T>(); }
};

template <typename T>
struct Reader<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static std::string expected() { return "a number"; }
  static bool accepts(const nlohmann::json& v) { return v.is_number(); }
  static T read(const nlohmann::json& v) { return v.get<T>(); }
};

template <typename T>
struct Reader<std::vector<T>> {
  static std::string expected() {
    std::string item = Reader<T>::expected();
    // "an integer" -> "integers", "a number" -> "numbers", "a string" -> "strings".
    for (const char* article : {"an ", "a "}) {
      if (item.rfind(article, 0) == 0) {
        item = item.substr(std::char_traits<char>::length(article)) + "s";
        break;
      }
    }
    return "a list of " + item;
  }
  static bool accepts(const nlohmann::json& v) {
    if (!v.is_array()) return false;
    for (const auto& item : v) {
      if (!Reader<T>::accepts(item)) return false;
    }
    return true;
  }
  static std::vector<T> read(const nlohmann::json& v) {
    std::vector<T> out;
    for (const auto& item : v) out.push_back(Reader<T>::read(item));
    return out;
  }
};

// "a string: \"32\"", "the number 2.5", ...: what was given, for messages.
CAIRN_EXPORT std::string describe_given(const nlohmann::json& value);

}  // namespace config_detail

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
    using R = config_detail::Reader<T>;
    const nlohmann::json& value = json_.at(field);
    if (!R::accepts(value)) {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (value.is_number_integer()) {
          fail(field, "is out of range: expected an integer from " + std::to_string(std::numeric_limits<T>::min()) +
                          " to " + std::to_string(std::numeric_limits<T>::max()) + ", got " + value.dump());
        }
      }
      fail(field, "has the wrong type: expected " + R::expected() + ", got " + config_detail::describe_given(value));
    }
    return R::read(value);
  }

  // Composer's Time.from_input: an integer counts `default_unit`, a string is
  // a time string ("10ba"). Absent: `fallback` (a time string).
  Time get_time(const std::string& field, const std::string& fallback, TimeUnit default_unit);

  // ConfigError listing every field that no get/require asked for.
  void finish() const;

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const;
  const std::string& owner() const { return owner_; }

 private:
  std::string owner_;
  nlohmann::json json_;
  mutable std::set<std::string> read_;
};

// Composer's Time.from_input for a JSON value, without a field name in its
// ConfigError: an integer counts `default_unit`, a string is a time string.
CAIRN_EXPORT Time time_from_json(const nlohmann::json& value, TimeUnit default_unit);

}  // namespace cairn
