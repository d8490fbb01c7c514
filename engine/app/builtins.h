// The factories compiled into the engine, registered by EngineHost (engine_host.h).
#pragma once

namespace cairn {

class PluginHost;

// Registers plugin "builtin": object store "local" for file:// URIs and the
// callbacks "CheckpointSaver" and "RemoteUploaderDownloader" (Composer's
// arguments as JSON).
void register_engine_builtins(PluginHost& host);

}  // namespace cairn
