// A checkpoint tree as the flat, dot-keyed items of a sharded checkpoint.
//
// torch 1.13's distributed checkpointing only knows top-level keys, so nested
// string-keyed dicts become dotted keys ("state.model.fc.weight"). A list or
// tuple that holds a tensor is flattened too, by index ("rng.0.torch"), so
// every tensor is its own item and can be sharded. Everything else (numbers,
// strings, lists without tensors, dicts with other keys, empty dicts, pickled
// Python objects without tensors) is one opaque leaf that becomes a bytes item.
//
// Keys may hold '.' themselves (a model's "fc.weight"): the layout records
// every container's own keys, kinds and TorchScript types, so unflatten gives
// back the very tree flatten was given. Two paths that would join to the same
// dotted key ({"a.b": 1} beside {"a": {"b": 2}}) are refused. A folder Python
// wrote has no layout: its keys are split at every '.' into nested
// Dict[str, Any].
#pragma once

#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint::sharded {

struct FlatItem {
  std::string key;
  c10::IValue value;  // a tensor (a tensor item) or any other leaf (a bytes item)
};

struct FlatCheckpoint {
  std::vector<FlatItem> items;  // in the tree's order
  // JSON: the containers and leaves in pre-order, each with its kind, key and
  // type ("Dict[str, Any]"); stored in .metadata as `cairn_layout`.
  std::string layout;
};

// `root` must be a dict with string keys. Throws cairn::CheckpointError with
// one line naming the dotted key when two paths collide.
FlatCheckpoint flatten(const c10::IValue& root);

// The inverse: items by key, in any order. With an empty `layout` the keys are
// split at '.' into nested Dict[str, Any] (a folder Python wrote). Throws
// CheckpointError when an item the layout names is missing, or `name` (the
// folder) has a layout that does not parse.
c10::IValue unflatten(const std::vector<FlatItem>& items, const std::string& layout, const std::string& name);

}  // namespace cairn::checkpoint::sharded
