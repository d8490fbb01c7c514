// The composition root: a PluginHost with the engine's own factories
// registered (the local store for file:// URIs, CheckpointSaver,
// RemoteUploaderDownloader), as `cairn` and embedding applications use it.
//
// It sits above everything it wires together: the plugin host loads plugins,
// and the saver and the uploader below it never learn where their stores or
// their callers come from.
#pragma once

#include "plugin_host/plugin_host.h"

namespace cairn {

class EngineHost : public PluginHost {
 public:
  EngineHost();
};

}  // namespace cairn
