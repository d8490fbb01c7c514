// An optimizer's class name as Composer's monitors write it in metric keys
// ("lr-Adam/group0"): the C++ class name without its namespace, which is the
// name of the PyTorch class it mirrors (SGD, Adam, AdamW, RMSprop, Adagrad).
#pragma once

#include <string>
#include <typeinfo>

#include <c10/util/Type.h>

namespace cairn::plugins {

template <typename T>
std::string class_name(const T& object) {
  const std::string name = c10::demangle(typeid(object).name());
  const auto colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

}  // namespace cairn::plugins
