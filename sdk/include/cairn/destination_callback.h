// A callback that is also a LoggerDestination (Composer's LoggerDestination,
// which is a Callback): derive from this, override what you receive, and the
// trainer attaches it to the run's Logger when it is enabled.
#pragma once

#include "cairn/callback.h"
#include "cairn/export.h"
#include "cairn/logger_destination.h"

namespace cairn {

class CAIRN_EXPORT DestinationCallback : public Callback, public LoggerDestination {
 public:
  ~DestinationCallback() override;
  // Destinations often only receive metrics and files; events are optional.
  void on_event(Event event, State& state) override {}
  LoggerDestination* as_logger_destination() final { return this; }
};

}  // namespace cairn
