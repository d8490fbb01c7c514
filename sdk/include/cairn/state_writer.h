// Writing a plugin's state as the plain IValues that Python's torch.load and
// cairn::StateReader read back: the field kinds that need converting (a list
// of doubles, an optional number). Ints, doubles, bools and strings go into
// the dict from cairn::make_dict() as they are.
//
//   auto d = cairn::make_dict();
//   d.insert("history", cairn::to_list(history_));   // std::deque<double>
//   d.insert("best", cairn::optional_value(best_));  // std::optional<double>: None when unset
//
// Training layer (Cairn::sdk): header-only, needs LibTorch's IValue.
#pragma once

#include <ATen/core/List.h>
#include <ATen/core/ivalue.h>

#include <deque>
#include <optional>

namespace cairn {

// A list of doubles as Python reads it (a list of floats).
inline c10::IValue to_list(const std::deque<double>& values) {
  c10::List<double> list;
  for (double v : values) list.push_back(v);
  return list;
}

// None when not set, as StateReader::read(key, std::optional<double>&) expects.
inline c10::IValue optional_value(const std::optional<double>& value) {
  return value ? c10::IValue(*value) : c10::IValue();
}

}  // namespace cairn
