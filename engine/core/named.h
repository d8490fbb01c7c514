// A callback or algorithm with the name its state is stored under
// (state/callbacks/<name>). Empty: the trainer derives one from the position.
#pragma once

#include <memory>
#include <string>

namespace cairn {

template <typename T>
struct Named {
  std::string name;
  std::shared_ptr<T> object;
};

}  // namespace cairn
