#include "checkpoint/metadata.h"

#include <thread>

#include <torch/csrc/api/include/torch/version.h>

#include "cairn/state_dict.h"
#include "cairn/version.h"

namespace cairn {

c10::IValue make_metadata(const RunDescription& run) {
  auto d = make_dict();
  d.insert("cairn_version", std::string(CAIRN_VERSION_STRING));
  d.insert("torch_version", std::string(TORCH_VERSION));
  d.insert("sdk_abi_version", int64_t(CAIRN_SDK_ABI_VERSION));
  d.insert("device", run.device);
  d.insert("world_size", int64_t(run.world_size));
  d.insert("train_dataloader_batch_size", run.train_dataloader_batch_size);
  c10::impl::GenericList plugins(c10::AnyType::get());
  for (const auto& p : run.plugins) {
    auto entry = make_dict();
    entry.insert("name", p.name);
    entry.insert("version", p.version);
    plugins.push_back(entry);
  }
  d.insert("plugins", plugins);
  auto env = make_dict();
  env.insert("cpu_count", int64_t(std::thread::hardware_concurrency()));
  env.insert("cxx_abi", std::string(CAIRN_CXX_ABI_TAG));
  d.insert("cairn_env_info", env);
  return d;
}

}  // namespace cairn
