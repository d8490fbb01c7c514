// An update interval ("1ep", "10ba") for plugins that act every so often, such
// as the weight-averaging algorithms (EMA, SWA): a whole number of batches or
// epochs, counted at the end of that unit.
//
// The contract: read the interval with cairn::read_time (cairn/config_time.h)
// restricted to batches and epochs, check it with check_update_interval (a
// ConfigError naming the field when it is under one unit), and count it at
// update_event(interval): EPOCH_END for epochs, BATCH_END for batches.
//
// Needs only the core layer (config, time, event); shipped with the training
// layer (Cairn::sdk).
#pragma once

#include <string>

#include "cairn/config.h"
#include "cairn/event.h"
#include "cairn/time.h"

namespace cairn {

// An interval under one unit would update never, or on every event.
inline void check_update_interval(Config& cfg, const Time& interval) {
  if (interval.count() < 1) cfg.fail("update_interval", "must be at least 1 (got \"" + interval.to_string() + "\")");
}

// The event at which an interval in `interval`'s unit has passed.
inline Event update_event(const Time& interval) {
  return interval.unit() == TimeUnit::EPOCH ? Event::EPOCH_END : Event::BATCH_END;
}

}  // namespace cairn
