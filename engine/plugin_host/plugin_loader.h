// Opening one plugin library and checking its descriptor, nothing more: the
// host decides what to do with the plugin's registrations.
#pragma once

#include <memory>
#include <string>

#include "plugin_host/plugin_registry.h"

namespace cairn {

struct OpenedPlugin {
  LibraryRef library;
  std::string name;
  std::string version;
  std::string description;
  void (*register_fn)(Registrar& registrar) = nullptr;
};

// Loads `path` and reads its descriptor, of any layout. The SDK ABI is compared
// before anything else of the descriptor is touched (a plugin of another ABI
// may lay it out differently), then the LibTorch version (for a plugin that
// uses LibTorch) and the C++ ABI tag. Throws PluginError with a one-line
// reason naming the file's base name and, for version mismatches, both versions.
OpenedPlugin open_plugin(const std::string& path);

}  // namespace cairn
