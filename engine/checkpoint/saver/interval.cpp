#include "checkpoint/saver/interval.h"

#include <cmath>
#include <memory>

#include "cairn/errors.h"

namespace cairn {
namespace {

// Whole multiples of `step` passed between `before` and `now` (counters never
// go backwards, so floor division on non-negative values is enough).
bool crossed(int64_t before, int64_t now, int64_t step) {
  if (step <= 0) return false;
  return before / step != now / step;
}

}  // namespace

IntervalScheduler create_interval_scheduler(const Time& interval, bool include_end_of_training) {
  const TimeUnit unit = interval.unit();
  if (unit == TimeUnit::ITERATION) {
    throw ConfigError("save_interval '" + interval.to_string() +
                      "' is in iterations, which Cairn does not have; use ep, ba, sp, tok, dur or sec");
  }
  const Event interval_event = unit == TimeUnit::EPOCH ? Event::EPOCH_CHECKPOINT : Event::BATCH_CHECKPOINT;
  // Shared so that copies of the std::function keep one history, as the
  // closure's nonlocal does in Composer.
  auto last_batch_seen = std::make_shared<int64_t>(-1);

  return [interval, unit, interval_event, include_end_of_training, last_batch_seen](const State& state,
                                                                                    Event event) -> bool {
    // Composer: "int(interval) <= 0" disables saving (end of training included);
    // a zero fraction of the run means the same.
    if (unit != TimeUnit::DURATION && interval.count() <= 0) return false;
    if (unit == TimeUnit::DURATION && interval.value() <= 0) return false;
    if (!state.previous_timestamp) return false;
    const Timestamp& now = state.timestamp;
    const Timestamp& before = *state.previous_timestamp;

    const bool checkpoint_event = event == Event::BATCH_CHECKPOINT || event == Event::EPOCH_CHECKPOINT;
    if (include_end_of_training && checkpoint_event && state.elapsed_duration() >= 1.0 &&
        now.batch != *last_batch_seen) {
      return true;
    }

    if (unit != TimeUnit::DURATION) {
      if (event == interval_event && crossed(before.get(unit), now.get(unit), interval.count())) {
        *last_batch_seen = now.batch;
        return true;
      }
      return false;
    }

    if (!state.dataloader_len) {
      throw ConfigError("save_interval '" + interval.to_string() +
                        "' is a fraction of the run, which needs a sized dataloader; give the dataset a length or "
                        "use ep, ba, sp or tok");
    }
    if (event != interval_event) return false;
    const Time& max = state.max_duration;
    bool due = false;
    switch (max.unit()) {
      case TimeUnit::EPOCH: {
        const auto every = int64_t(std::ceil(max.value() * interval.value() * double(*state.dataloader_len)));
        due = every > 0 && now.batch % every == 0;
        break;
      }
      case TimeUnit::BATCH: {
        const auto every = int64_t(std::ceil(max.value() * interval.value()));
        due = every > 0 && now.batch % every == 0;
        break;
      }
      case TimeUnit::SAMPLE:
      case TimeUnit::TOKEN: {
        const auto every = int64_t(std::ceil(max.value() * interval.value()));
        due = crossed(before.get(max.unit()), now.get(max.unit()), every);
        break;
      }
      default:
        throw ConfigError("save_interval '" + interval.to_string() + "' is a fraction of max_duration '" +
                          max.to_string() + "', which is not in ep, ba, sp or tok; set max_duration in one of those");
    }
    if (due) *last_batch_seen = now.batch;
    return due;
  };
}

}  // namespace cairn
