// Factories the `cairn` command adds to its PluginHost.
#pragma once

namespace cairn {
class PluginHost;
}

namespace cairn::cli {

// The callback "CheckpointSaver" (`--callback CheckpointSaver={"folder": ...}`,
// Composer's CheckpointSaver argument names as JSON), unless the engine's
// built-ins already register it.
void register_cli_builtins(PluginHost& host);

}  // namespace cairn::cli
