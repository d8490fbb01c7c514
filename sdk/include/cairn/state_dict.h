// StateDictHook: the unit from which every checkpoint is assembled.
//
// The engine walks the hooks that are registered (its own: model, optimizers,
// schedulers, timestamp, ...; and one per enabled callback and algorithm) and
// stores each hook's `state_dict()` under its section and name, e.g.
// state/callbacks/SpeedMonitor. On resume each hook receives back exactly the
// value it returned. Values must be IValue trees of tensors, dicts with string
// keys, lists, strings, bools, ints and doubles: that is what Python's
// torch.load reads without custom classes.
#pragma once

#include <ATen/core/ivalue.h>

#include "cairn/export.h"

namespace cairn {

class CAIRN_EXPORT StateDictHook {
 public:
  virtual ~StateDictHook();
  // What to store. An empty GenericDict is a valid, stateless answer.
  virtual c10::IValue state_dict() const;
  // Restore from a value this hook (or an earlier run of it) returned.
  virtual void load_state_dict(const c10::IValue& state);
};

// A new, empty dict of string keys to arbitrary values (Python: dict).
CAIRN_EXPORT c10::impl::GenericDict make_dict();

}  // namespace cairn
