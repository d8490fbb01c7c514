#include "plugin_host/builtins.h"

#include <nlohmann/json.hpp>

#include "cairn/registrar.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "plugin_host/plugin_host.h"
#include "store/local_store.h"

namespace cairn {

void register_engine_builtins(PluginHost& host) {
  host.add_builtin("builtin", "Factories compiled into the Cairn engine", [](Registrar& registrar) {
    registrar.add_object_store("local", {"file"}, &LocalStore::create,
                               "a folder on this machine: file:///abs/path or {\"root\": \"/abs/path\"}");
    registrar.add_callback(
        "CheckpointSaver",
        [](const nlohmann::json& config) -> std::unique_ptr<Callback> {
          return std::make_unique<CheckpointSaver>(CheckpointSaverOptions::from_json(config));
        },
        "saves checkpoints; config: folder, filename, latest_filename, save_interval, overwrite, "
        "num_checkpoints_to_keep, weights_only, ignore_keys (Composer's CheckpointSaver arguments)");
  });
}

}  // namespace cairn
