// The update_interval of the weight-averaging algorithms (EMA, SWA): a whole
// number of batches or epochs, counted at the end of that unit.
#pragma once

#include <string>

#include "cairn/config.h"
#include "cairn/event.h"
#include "cairn/time.h"

namespace cairn::plugins {

// An interval under one unit would update never, or on every event.
inline void check_update_interval(Config& cfg, const Time& interval) {
  if (interval.count() < 1) cfg.fail("update_interval", "must be at least 1 (got \"" + interval.to_string() + "\")");
}

// The event at which an interval in `interval`'s unit has passed.
inline Event update_event(const Time& interval) {
  return interval.unit() == TimeUnit::EPOCH ? Event::EPOCH_END : Event::BATCH_END;
}

}  // namespace cairn::plugins
