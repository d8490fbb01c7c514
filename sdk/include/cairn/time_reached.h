// Whether training has reached a Composer time ("0.7dur", "500ba", "3ep"),
// for plugins that start or stop doing something at a configured time.
//
// The contract: a `dur` time compares with State::elapsed_duration(), any
// other unit with the State's timestamp counter in that unit; both are
// "reached" once the counter is at or past the value.
//
// Training layer (Cairn::sdk): header-only.
#pragma once

#include "cairn/state.h"
#include "cairn/time.h"

namespace cairn {

inline bool time_reached(const Time& when, const State& state) {
  if (when.unit() == TimeUnit::DURATION) return state.elapsed_duration() >= when.value();
  return double(state.timestamp.get(when.unit())) >= when.value();
}

}  // namespace cairn
