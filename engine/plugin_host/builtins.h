// The factories compiled into the engine, registered by every PluginHost.
#pragma once

namespace cairn {

class PluginHost;

// Registers plugin "builtin": object store "local" for file:// URIs and the
// callback "CheckpointSaver" (Composer's CheckpointSaver arguments as JSON).
void register_engine_builtins(PluginHost& host);

}  // namespace cairn
