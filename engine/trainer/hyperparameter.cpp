#include "trainer/hyperparameter.h"

#include <cmath>
#include <sstream>

namespace cairn {
namespace {

std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

double checked(Config& cfg, const std::string& field, double value, const Bounds& bounds) {
  if (!std::isfinite(value) || !bounds.holds(value)) {
    cfg.fail(field, "must be " + bounds.describe() + " (got " + number_text(value) + ")");
  }
  return value;
}

int64_t checked_count(Config& cfg, const std::string& field, int64_t value, int64_t min) {
  if (value < min) cfg.fail(field, "must be at least " + std::to_string(min) + " (got " + std::to_string(value) + ")");
  return value;
}

}  // namespace

bool Bounds::holds(double v) const {
  const bool low = min_open ? v > min : v >= min;
  const bool high = max_open ? v < max : v <= max;
  return low && high;
}

std::string Bounds::describe() const {
  const bool bounded_below = std::isfinite(min), bounded_above = std::isfinite(max);
  if (bounded_below && bounded_above) {
    return "in " + std::string(min_open ? "(" : "[") + number_text(min) + ", " + number_text(max) +
           (max_open ? ")" : "]");
  }
  if (bounded_below) return (min_open ? "above " : "at least ") + number_text(min);
  if (bounded_above) return (max_open ? "below " : "at most ") + number_text(max);
  return "a finite number";
}

double read_number(Config& cfg, const std::string& field, double fallback, Bounds bounds) {
  return checked(cfg, field, cfg.get<double>(field, fallback), bounds);
}

double require_number(Config& cfg, const std::string& field, Bounds bounds) {
  return checked(cfg, field, cfg.require<double>(field), bounds);
}

int64_t read_count(Config& cfg, const std::string& field, int64_t fallback, int64_t min) {
  return checked_count(cfg, field, cfg.get<int64_t>(field, fallback), min);
}

int64_t require_count(Config& cfg, const std::string& field, int64_t min) {
  return checked_count(cfg, field, cfg.require<int64_t>(field), min);
}

}  // namespace cairn
