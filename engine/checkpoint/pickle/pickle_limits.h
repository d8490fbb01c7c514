// Bounds the restricted unpickler enforces against hostile input. Generous for
// real checkpoints (Composer's full checkpoint nests 9 levels, memoizes ~1,000
// objects and stacks at most ~1,000 items), small enough that a crafted pickle
// cannot exhaust memory or the call stack of code that walks the result.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cairn::checkpoint::pickle {

struct PickleLimits {
  // Containers inside containers (a deeper tree is refused while it is built).
  uint32_t max_depth = 256;
  // Entries in the memo (BINPUT/LONG_BINPUT/MEMOIZE) and values on the stack.
  size_t max_memo = size_t{1} << 20;
  size_t max_stack = size_t{1} << 20;
  // Nested MARKs still open.
  size_t max_marks = 4096;
  // Elements of one tensor or numpy array (and their product with strides).
  uint64_t max_elements = uint64_t{1} << 40;
  // Off for checkpoints. On for a distributed checkpoint's .metadata, whose
  // storage_data is keyed by MetadataIndex objects that no IValue dict can
  // hash: such an entry is kept as dict[i] = (key, value), i its position.
  bool object_keys_as_pairs = false;
};

}  // namespace cairn::checkpoint::pickle
