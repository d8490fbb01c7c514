// Whether training has reached a Composer time ("0.7dur", "500ba", "3ep").
#pragma once

#include "cairn/state.h"
#include "cairn/time.h"

namespace cairn::plugins {

inline bool time_reached(const Time& when, const State& state) {
  if (when.unit() == TimeUnit::DURATION) return state.elapsed_duration() >= when.value();
  return double(state.timestamp.get(when.unit())) >= when.value();
}

}  // namespace cairn::plugins
