// Callbacks observe training and may keep state that is checkpointed.
//
// A callback's state_dict() is stored under state/callbacks/<instance name>,
// where the instance name is the name it was enabled with ("SpeedMonitor") or,
// for further instances of the same plugin, "<name>#2", "<name>#3" in the order
// given, so two instances never collide.
#pragma once

#include "cairn/event.h"
#include "cairn/export.h"
#include "cairn/state_dict.h"

namespace cairn {

class CheckpointWriter;
class LoggerDestination;
class State;

class CAIRN_EXPORT Callback : public StateDictHook {
 public:
  ~Callback() override;
  // Called for every event, in order.
  virtual void on_event(Event event, State& state) = 0;
  // Called once when the trainer shuts down, also after an error: flush, join
  // threads. Must not throw.
  virtual void close(State& state) noexcept {}

  // The roles a callback may also play, which the engine asks for here rather
  // than by dynamic_cast (type identity across shared libraries depends on
  // how each was linked). DestinationCallback and CheckpointWriter's users
  // override them; the defaults say "not this role".
  virtual LoggerDestination* as_logger_destination() { return nullptr; }
  virtual CheckpointWriter* as_checkpoint_writer() { return nullptr; }
};

}  // namespace cairn
