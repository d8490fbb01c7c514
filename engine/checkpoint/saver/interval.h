// When a checkpoint is due: Composer's create_interval_scheduler.
#pragma once

#include <functional>
#include <variant>

#include "cairn/event.h"
#include "cairn/state.h"
#include "cairn/time.h"

namespace cairn {

// "Save now?", asked at every event.
using IntervalScheduler = std::function<bool(const State&, Event)>;

// When to save, as a saver or the trainer's save_interval is given it: a Time
// (an integer means epochs, as in Composer), or a predicate of its own.
using SaveInterval = std::variant<Time, IntervalScheduler>;

// The returned predicate answers "save now?" at each event:
//  - ep triggers at EPOCH_CHECKPOINT; ba, sp, tok, dur and sec at BATCH_CHECKPOINT;
//  - a counting unit fires when the counter crosses a multiple of the interval
//    between state.previous_timestamp and state.timestamp (so batches that
//    overshoot a sample or token multiple still count);
//  - dur fires per the max_duration unit: ep/ba on whole batch multiples, sp/tok
//    on threshold crossings of ceil(max * fraction); it needs state.dataloader_len
//    (ConfigError otherwise);
//  - with include_end_of_training, any *_CHECKPOINT event once elapsed >= 1 fires,
//    unless the interval already fired at this batch;
//  - an interval <= 0 never fires, not even at the end.
// The predicate keeps state (the last batch it fired at): one per saver.
// Throws ConfigError for the iter unit (Cairn has no iterations).
IntervalScheduler create_interval_scheduler(const Time& interval, bool include_end_of_training = true);

}  // namespace cairn
