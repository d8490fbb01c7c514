// Algorithms change training (the batch, the loss, the weights) at events
// they match. Their state goes under state/algorithms/<instance name>, named
// as callbacks are.
#pragma once

#include "cairn/event.h"
#include "cairn/export.h"
#include "cairn/state_dict.h"

namespace cairn {

class State;

class CAIRN_EXPORT Algorithm : public StateDictHook {
 public:
  ~Algorithm() override;
  virtual bool match(Event event, const State& state) = 0;
  virtual void apply(Event event, State& state) = 0;
};

}  // namespace cairn
