// Rebuilding a checkpoint tree with its tensors' storages replaced: moved to
// the CPU before pickling (cpu_tensors.h), or copied into staging memory for
// an asynchronous save (checkpoint/saver/state_snapshot.h).
#pragma once

#include <functional>

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint {

// Called once per distinct storage, in the order the tree first reaches it,
// with the first tensor that views it. Returning the same storage keeps the
// tensors that view it as they are.
using StorageReplacer = std::function<at::Storage(const at::Tensor& first_view, const at::Storage& storage)>;

// `root` rebuilt: containers copied (dicts, lists, tuples), every tensor
// replaced by one over its storage's replacement with the same offset, sizes
// and strides, so tensors that shared a storage still do and views stay
// views in the file. Other values are shared with `root` (they are immutable).
c10::IValue map_storages(const c10::IValue& root, const StorageReplacer& replace);

}  // namespace cairn::checkpoint
