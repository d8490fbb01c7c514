// The allowed-globals table: the few Python names a torch.save or Composer
// pickle uses for data, rebuilt here without Python. Anything else stays an
// inert placeholder (pickled_object.h) that keeps its name and arguments.
#pragma once

#include <string>

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>

#include "checkpoint/pickle/pickle_limits.h"

namespace cairn::checkpoint::pickle {

// GLOBAL module.name: a torch dtype ("torch.float32") is a string value;
// anything else a reference (pickled_object.h) that REDUCE or NEWOBJ may call.
c10::IValue resolve_global(const std::string& module, const std::string& name);

// REDUCE / NEWOBJ: `callable` (what resolve_global gave) applied to the tuple
// `args`. Allowed names are rebuilt; others give a placeholder. Throws
// PickleFault when an allowed name gets arguments it cannot take.
c10::IValue call_global(const c10::IValue& callable, const c10::IValue& args, const PickleLimits& limits);

// dict[key] = value, for SETITEM(S) and OrderedDict's items. Throws PickleFault
// when `key` is of a kind a dict cannot hash (a list, a dict, a tuple, None):
// c10's hash throws a plain std::runtime_error for those.
void insert_dict_item(c10::impl::GenericDict& dict, c10::IValue key, c10::IValue value);

// BUILD: `state` applied to `target`. Placeholders keep it; numpy objects are
// filled from it; instance attributes of dicts (OrderedDict's _metadata) and
// tensors are accepted and dropped. Throws PickleFault for other targets.
void build_object(const c10::IValue& target, const c10::IValue& state, const PickleLimits& limits);

}  // namespace cairn::checkpoint::pickle
