#include "cli/builtin_callbacks.h"

#include <algorithm>

#include "cairn/registrar.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "plugin_host/plugin_host.h"

namespace cairn::cli {

void register_cli_builtins(PluginHost& host) {
  const auto callbacks = host.names(PluginKind::kCallback);
  if (std::find(callbacks.begin(), callbacks.end(), "CheckpointSaver") != callbacks.end()) return;
  host.add_builtin("cli", "Callbacks built into the cairn command", [](Registrar& registrar) {
    registrar.add_callback(
        "CheckpointSaver",
        [](const nlohmann::json& config) -> std::unique_ptr<Callback> {
          return std::make_unique<CheckpointSaver>(CheckpointSaverOptions::from_json(config));
        },
        "saves checkpoints; config: folder, filename, latest_filename, save_interval, overwrite, "
        "num_checkpoints_to_keep, weights_only, ignore_keys (Composer's CheckpointSaver arguments)");
  });
}

}  // namespace cairn::cli
