// Training time, as Composer measures it.
//
// A `Time` is a value with a unit ("10ep", "500ba", "0.25dur", "1h30m"); a
// `Timestamp` is the set of counters the trainer advances as it runs.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/export.h"

namespace cairn {

enum class TimeUnit { ITERATION, EPOCH, BATCH, SAMPLE, TOKEN, DURATION, SECOND };

// Suffix used in time strings: "iter", "ep", "ba", "sp", "tok", "dur", "sec".
CAIRN_EXPORT const char* to_string(TimeUnit unit);

class CAIRN_EXPORT Time {
 public:
  Time() = default;
  Time(double value, TimeUnit unit);

  // Parses "10ep", "500ba", "3e4tok", "0.5dur", "90sec" and the wall-clock
  // forms "1h", "2h30m", "45s". Units are case-insensitive; values other than
  // `dur` must be whole numbers. Throws ConfigError naming the string.
  static Time parse(const std::string& text);

  // An integer means `default_unit` (Composer: epochs for save_interval).
  static Time from_int(int64_t value, TimeUnit default_unit) { return Time(double(value), default_unit); }

  double value() const { return value_; }
  int64_t count() const { return static_cast<int64_t>(value_); }
  TimeUnit unit() const { return unit_; }
  std::string to_string() const;  // canonical form, e.g. "10ep", "0.25dur"

  bool operator==(const Time& o) const { return value_ == o.value_ && unit_ == o.unit_; }
  bool operator!=(const Time& o) const { return !(*this == o); }

 private:
  double value_ = 0;
  TimeUnit unit_ = TimeUnit::EPOCH;
};

// The trainer's progress counters. Wall-clock fields are seconds.
struct CAIRN_EXPORT Timestamp {
  int64_t iteration = 0;
  int64_t epoch = 0;
  int64_t batch = 0;
  int64_t sample = 0;
  int64_t token = 0;
  int64_t epoch_in_iteration = 0;
  int64_t token_in_iteration = 0;
  int64_t batch_in_epoch = 0;
  int64_t sample_in_epoch = 0;
  int64_t token_in_epoch = 0;
  double total_wct = 0;
  double iteration_wct = 0;
  double epoch_wct = 0;
  double batch_wct = 0;

  // The counter that measures `unit` (ITERATION, EPOCH, BATCH, SAMPLE, TOKEN,
  // SECOND -> whole seconds of total_wct). DURATION has no counter: throws.
  int64_t get(TimeUnit unit) const;

  // Advance past one finished batch of `samples` samples and `tokens` tokens
  // that took `seconds` of wall-clock time.
  void to_next_batch(int64_t samples, int64_t tokens, double seconds);
  // Advance past a finished epoch: the *_in_epoch counters restart.
  void to_next_epoch();

  bool operator==(const Timestamp& o) const;
  bool operator!=(const Timestamp& o) const { return !(*this == o); }
  std::string to_string() const;  // "ep1 ba12 sp96"
};

}  // namespace cairn
