// Optimizer and scheduler hyperparameters read from JSON config and checked
// against the ranges PyTorch enforces, so a bad value is refused naming its
// field (a ConfigError, a usage error) instead of as LibTorch's own text.
#pragma once

#include <limits>
#include <string>

#include "cairn/config.h"

namespace cairn {

// The values a hyperparameter may take: [min, max], either end open.
struct Bounds {
  double min = -std::numeric_limits<double>::infinity();
  bool min_open = false;
  double max = std::numeric_limits<double>::infinity();
  bool max_open = false;

  static Bounds at_least(double v) { return {v, false}; }
  static Bounds above(double v) { return {v, true}; }
  static Bounds unit_interval_open_top() { return {0.0, false, 1.0, true}; }  // [0, 1)
  static Bounds unit_interval() { return {0.0, false, 1.0, false}; }          // [0, 1]
  static Bounds any() { return {}; }

  bool holds(double v) const;
  std::string describe() const;  // "at least 0", "in [0, 1)"
};

// A finite number within `bounds`; `fallback` when absent.
double read_number(Config& cfg, const std::string& field, double fallback, Bounds bounds);
// A required one.
double require_number(Config& cfg, const std::string& field, Bounds bounds);
// A whole number of at least `min`.
int64_t read_count(Config& cfg, const std::string& field, int64_t fallback, int64_t min);
int64_t require_count(Config& cfg, const std::string& field, int64_t min);

}  // namespace cairn
