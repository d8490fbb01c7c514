// What `cairn inspect` reports about a checkpoint, computed from the loaded
// IValue tree so that it works on full, weights-only and foreign checkpoints.
#pragma once

#include <string>

#include <ATen/core/ivalue.h>
#include <nlohmann/json.hpp>

namespace cairn::cli {

// The section of a torch.save file whose top level is not a dict.
inline constexpr const char* kTopLevelSection = "(top level)";

// One JSON object:
//   path, format ("composer", or "torch.save" for a file with no 'state'
//   dict, such as a bare state_dict: no run state, one section per top-level
//   key), top_level_keys, state_keys,
//   timestamp (the counters, or null), run_name, rank_zero_seed (or null),
//   metadata (as stored, tensors summarised), callbacks, algorithms (the names
//   whose state it holds: the plugins needed to restore it),
//   sections: {"<state key>": {"tensors": n, "bytes": b}, ..., "rng": {...}},
//   tensors: [{"name": "model.0.weight", "dtype": "Float", "shape": [64, 16]}, ...]
//     (every tensor under state, then under rng, named by its key path;
//     numpy arrays with dtype "numpy uint32"),
//   python_objects: [{"name": "train_metrics.MulticlassAccuracy", "class": "torchmetrics....",
//     "kind": "object" | "reference"}]: what a torch.save or Composer file
//     pickled that Cairn keeps as an inert placeholder (checkpoint/pickle).
// `cairn inspect` adds plugins_needed (cli/inspect_plugins.h), which the text
// report shows when present.
nlohmann::json describe_checkpoint(const c10::IValue& root, const std::string& path);

// The same, for people: empty values and sections without tensors left out,
// the first few tensors listed unless `all_tensors`.
std::string format_checkpoint_report(const nlohmann::json& report, bool all_tensors = false);

// An IValue as JSON: tensors become "tensor float32[3, 4]", other values map
// to their JSON counterparts (tuples as arrays, non-string dict keys as strings).
nlohmann::json ivalue_to_json(const c10::IValue& value);

}  // namespace cairn::cli
