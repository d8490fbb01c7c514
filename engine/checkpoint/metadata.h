// state['metadata']: where a checkpoint came from. Informational: never used
// to decide how to load (as in Composer), but `cairn inspect` shows it.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

namespace cairn {

struct PluginVersion {
  std::string name;
  std::string version;
};

struct RunDescription {
  std::string device;
  int world_size = 1;
  int64_t train_dataloader_batch_size = 0;
  std::vector<PluginVersion> plugins;
};

// {"cairn_version", "torch_version", "device", "world_size",
//  "train_dataloader_batch_size", "plugins": [{"name", "version"}, ...],
//  "cairn_env_info": {"cpu_count", "hostname"-free facts}}
c10::IValue make_metadata(const RunDescription& run);

}  // namespace cairn
