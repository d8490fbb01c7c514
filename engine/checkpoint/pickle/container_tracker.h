// Bounds the depth of the tree the unpickler builds and refuses cycles.
//
// A pickle can nest without a deep stack (TUPLE1 applied over and over) and
// can mutate a container after putting it inside another (through the memo),
// which is how Python pickles self-references. Code that walks or frees an
// IValue tree recurses, so depth must be bounded while building: every
// container's depth is recorded when it is made, a container becomes sealed
// once it is inside another one, and a sealed container may not change. That
// keeps the recorded depths exact and makes a cycle impossible to build.
// Python's own pickler fills every container before using it, so real
// checkpoints never touch a sealed one.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <ATen/core/ivalue.h>

#include "checkpoint/pickle/pickle_limits.h"

namespace cairn::checkpoint::pickle {

class ContainerTracker {
 public:
  explicit ContainerTracker(const PickleLimits& limits) : limits_(limits) {}

  // A value just made (its children already tracked or plain values).
  void created(const c10::IValue& value);
  // `items` go into the existing container `target`: they become sealed; a
  // sealed target, or a tree deeper than the limit, throws PickleFault.
  void insert_into(const c10::IValue& target, const std::vector<c10::IValue>& items);
  // `items` go into a container about to be made.
  void insert_into_new(const std::vector<c10::IValue>& items);

 private:
  struct Node {
    c10::IValue keep;  // holds the object so that its address is not reused
    uint32_t depth = 0;
    bool sealed = false;
  };
  Node* node(const c10::IValue& value);
  uint32_t depth(const c10::IValue& value);
  uint32_t deepest(const std::vector<c10::IValue>& items);
  void check(uint32_t depth) const;

  const PickleLimits& limits_;
  std::unordered_map<const void*, Node> nodes_;
};

}  // namespace cairn::checkpoint::pickle
