// Writing a plugin's state as the plain IValues Python reads back: the
// counterpart of state_reader.h for the field kinds that need converting.
#pragma once

#include <ATen/core/List.h>
#include <ATen/core/ivalue.h>

#include <deque>
#include <optional>

namespace cairn::plugins {

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

}  // namespace cairn::plugins
