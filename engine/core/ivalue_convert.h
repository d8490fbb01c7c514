// Conversions between engine values and the IValue trees stored in checkpoints.
#pragma once

#include <string>

#include <ATen/core/ivalue.h>

#include "cairn/time.h"

namespace cairn {

// Timestamp <-> {"iteration": int, ..., "total_wct": float seconds, ...}.
// Composer stores wall-clock fields as datetime.timedelta; LibTorch's pickler
// cannot write that class, so they are float seconds here.
c10::IValue timestamp_to_ivalue(const Timestamp& ts);
// Throws CheckpointError naming `where` if a required counter is missing.
Timestamp timestamp_from_ivalue(const c10::IValue& value, const std::string& where);

// Dict lookup helpers that fail with a CheckpointError naming `where`.
const c10::IValue* find_key(const c10::IValue& dict, const std::string& key);
const c10::IValue& require_key(const c10::IValue& dict, const std::string& key, const std::string& where);

}  // namespace cairn
