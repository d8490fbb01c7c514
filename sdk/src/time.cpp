#include "cairn/time.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <sstream>

#include "cairn/errors.h"

namespace cairn {
namespace {

struct UnitName {
  const char* suffix;
  TimeUnit unit;
};
// Longest suffixes first so "iter" is not read as "...r".
constexpr UnitName kUnits[] = {{"iter", TimeUnit::ITERATION}, {"tok", TimeUnit::TOKEN}, {"dur", TimeUnit::DURATION},
                               {"sec", TimeUnit::SECOND},     {"ep", TimeUnit::EPOCH},  {"ba", TimeUnit::BATCH},
                               {"sp", TimeUnit::SAMPLE}};

// Counts above 2^53 cannot be held exactly in the double a Time keeps, and
// past 2^63 they wrap to negative counters: such a run would never end.
constexpr double kLargestCount = 9007199254740992.0;

[[noreturn]] void invalid(const std::string& text, const std::string& why) {
  throw ConfigError("invalid time string '" + text + "': " + why +
                    "; use a number followed by a unit: ep, ba, sp, tok, iter, dur, sec (e.g. '10ep', '500ba', "
                    "'0.5dur') or a wall-clock time like '1h30m'");
}

// "1h30m10s", "10m", "45s": Composer's %Hh%Mm%Ss form.
bool parse_wall_clock(const std::string& text, double& seconds) {
  // At most two digits per field: %H, %M and %S allow no more, and stol
  // cannot overflow.
  static const std::regex form("^(?:(\\d{1,2})h)?(?:(\\d{1,2})m)?(?:(\\d{1,2})s)?$");
  std::smatch m;
  if (text.empty() || !std::regex_match(text, m, form)) return false;
  long h = m[1].matched ? std::stol(m[1]) : 0, mi = m[2].matched ? std::stol(m[2]) : 0,
       s = m[3].matched ? std::stol(m[3]) : 0;
  if (h > 23 || mi > 59 || s > 59) return false;
  seconds = double(h * 3600 + mi * 60 + s);
  return true;
}

}  // namespace

const char* to_string(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::ITERATION: return "iter";
    case TimeUnit::EPOCH: return "ep";
    case TimeUnit::BATCH: return "ba";
    case TimeUnit::SAMPLE: return "sp";
    case TimeUnit::TOKEN: return "tok";
    case TimeUnit::DURATION: return "dur";
    case TimeUnit::SECOND: return "sec";
  }
  return "?";
}

Time::Time(double value, TimeUnit unit) : value_(value), unit_(unit) {}

Time Time::parse(const std::string& raw) {
  std::string text = raw;
  text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }), text.end());
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (text.empty()) invalid(raw, "it is empty");

  double seconds = 0;
  if (parse_wall_clock(text, seconds)) return Time(seconds, TimeUnit::SECOND);

  for (const auto& u : kUnits) {
    const std::string suffix = u.suffix;
    if (text.size() <= suffix.size() || text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string number = text.substr(0, text.size() - suffix.size());
    double value = 0;
    try {
      size_t used = 0;
      value = std::stod(number, &used);
      if (used != number.size()) invalid(raw, "'" + number + "' is not a number");
    } catch (const std::logic_error&) {
      invalid(raw, "'" + number + "' is not a number");
    }
    if (!std::isfinite(value) || value < 0) invalid(raw, "the value must be a finite, non-negative number");
    if (value > kLargestCount) {
      invalid(raw, "'" + number + "' is too large (at most " + std::to_string(int64_t(kLargestCount)) + ")");
    }
    if (u.unit != TimeUnit::DURATION && value != std::floor(value)) {
      invalid(raw, "only 'dur' takes a fraction; " + std::string(u.suffix) + " needs a whole number");
    }
    return Time(value, u.unit);
  }
  invalid(raw, "no known unit at its end");
}

std::string Time::to_string() const {
  std::ostringstream out;
  if (unit_ == TimeUnit::DURATION) {
    out << value_;
  } else {
    out << count();
  }
  out << cairn::to_string(unit_);
  return out.str();
}

int64_t Timestamp::get(TimeUnit unit) const {
  switch (unit) {
    case TimeUnit::ITERATION: return iteration;
    case TimeUnit::EPOCH: return epoch;
    case TimeUnit::BATCH: return batch;
    case TimeUnit::SAMPLE: return sample;
    case TimeUnit::TOKEN: return token;
    case TimeUnit::SECOND: return static_cast<int64_t>(total_wct);
    case TimeUnit::DURATION: break;
  }
  throw ConfigError("a timestamp has no counter for 'dur'; durations are fractions of max_duration");
}

void Timestamp::to_next_batch(int64_t samples, int64_t tokens, double seconds) {
  batch += 1;
  batch_in_epoch += 1;
  sample += samples;
  sample_in_epoch += samples;
  token += tokens;
  token_in_epoch += tokens;
  token_in_iteration += tokens;
  total_wct += seconds;
  iteration_wct += seconds;
  epoch_wct += seconds;
  batch_wct = seconds;
}

void Timestamp::to_next_epoch() {
  epoch += 1;
  epoch_in_iteration += 1;
  batch_in_epoch = 0;
  sample_in_epoch = 0;
  token_in_epoch = 0;
  epoch_wct = 0;
  batch_wct = 0;
}

bool Timestamp::operator==(const Timestamp& o) const {
  return iteration == o.iteration && epoch == o.epoch && batch == o.batch && sample == o.sample && token == o.token &&
         epoch_in_iteration == o.epoch_in_iteration && token_in_iteration == o.token_in_iteration &&
         batch_in_epoch == o.batch_in_epoch && sample_in_epoch == o.sample_in_epoch &&
         token_in_epoch == o.token_in_epoch && total_wct == o.total_wct && iteration_wct == o.iteration_wct &&
         epoch_wct == o.epoch_wct && batch_wct == o.batch_wct;
}

std::string Timestamp::to_string() const {
  std::ostringstream out;
  out << "ep" << epoch << " ba" << batch << " sp" << sample;
  if (token > 0) out << " tok" << token;
  return out.str();
}

}  // namespace cairn
