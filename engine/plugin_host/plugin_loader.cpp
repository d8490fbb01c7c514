#include "plugin_host/plugin_loader.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <filesystem>

#include <boost/dll/shared_library.hpp>

#include "cairn/errors.h"
#include "cairn/plugin.h"

#include <torch/csrc/api/include/torch/version.h>

namespace cairn {

namespace {

// dlerror() starts with the path ("/x/y.so: invalid ELF header"); the failure
// record names the file already.
std::string dlopen_reason(const std::string& path, const std::string& fallback) {
  const char* error = ::dlerror();
  std::string reason = error ? error : fallback;
  if (reason.compare(0, path.size() + 2, path + ": ") == 0) reason.erase(0, path.size() + 2);
  return reason;
}

std::string or_empty(const char* text) { return text ? text : ""; }

// The descriptor, whichever layout the plugin was built with.
struct Descriptor {
  bool uses_torch = true;
  std::string torch_version, cxx_abi, name, version, description;
  void (*register_fn)(Registrar& registrar) = nullptr;
};

template <typename Layout>
void read_common_fields(const Layout& d, Descriptor& out) {
  out.torch_version = or_empty(d.torch_version);
  out.cxx_abi = or_empty(d.cxx_abi);
  out.name = or_empty(d.name);
  out.version = or_empty(d.version);
  out.description = or_empty(d.description);
  out.register_fn = d.register_fn;
}

// Layout 1 has zero padding where layout 2 keeps `layout` (see cairn/plugin.h).
// A newer layout is read as far as this host knows it: fields are appended only.
Descriptor read_descriptor(const void* raw, const std::string& base) {
  Descriptor out;
  const uint32_t layout = static_cast<const uint32_t*>(raw)[1];
  if (layout == 0) {
    read_common_fields(*static_cast<const cairn_plugin_descriptor_v1*>(raw), out);
    return out;
  }
  const auto& d = *static_cast<const cairn_plugin_descriptor_v2*>(raw);
  if (d.size < sizeof(cairn_plugin_descriptor_v2)) {
    throw PluginError(base + ": its plugin descriptor (layout " + std::to_string(layout) + ", " +
                      std::to_string(d.size) + " bytes) is smaller than layout " +
                      std::to_string(CAIRN_PLUGIN_DESCRIPTOR_LAYOUT) + " requires; the plugin is broken");
  }
  read_common_fields(d, out);
  out.uses_torch = (d.flags & CAIRN_PLUGIN_FLAG_USES_TORCH) != 0;
  return out;
}

}  // namespace

OpenedPlugin open_plugin(const std::string& path) {
  const std::string base = std::filesystem::path(path).filename().string();
  std::error_code exists_ec;
  if (!std::filesystem::is_regular_file(path, exists_ec)) {
    throw PluginError(base + " does not exist or is not a file");
  }

  // RTLD_NOW rather than lazy binding: a plugin that needs a symbol this
  // process lacks (built against another SDK or LibTorch build) fails here with
  // the symbol's name, instead of aborting the process at its first call.
  // RTLD_LOCAL keeps plugins from resolving each other's symbols; the types
  // they share (exceptions, interfaces) have their RTTI in libcairn_sdk.so,
  // which every plugin links, so catch and dynamic_cast still match.
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  ::dlerror();
  library->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec || !library->is_loaded()) {
    throw PluginError(base + " is not a loadable shared library (" + dlopen_reason(path, ec.message()) +
                      "); remove it from the plugin directory or rebuild it");
  }

  if (!library->has(CAIRN_PLUGIN_ENTRY_SYMBOL)) {
    throw PluginError(base + " does not export " CAIRN_PLUGIN_ENTRY_SYMBOL "; is it a Cairn plugin?");
  }
  const auto entry = library->get<const void*()>(CAIRN_PLUGIN_ENTRY_SYMBOL);
  const void* raw = nullptr;
  try {
    raw = entry();
  } catch (...) {
    throw PluginError(base + ": " CAIRN_PLUGIN_ENTRY_SYMBOL "() threw; the plugin is broken");
  }
  if (raw == nullptr) throw PluginError(base + ": " CAIRN_PLUGIN_ENTRY_SYMBOL "() returned null");

  // Every layout starts with the SDK ABI; nothing else is read before it matches.
  const auto* head = static_cast<const uint32_t*>(raw);
  if (head[0] != CAIRN_SDK_ABI_VERSION) {
    throw PluginError(base + " was built for Cairn SDK ABI " + std::to_string(head[0]) +
                      ", this cairn supports ABI " + std::to_string(CAIRN_SDK_ABI_VERSION) +
                      "; rebuild the plugin against this SDK");
  }
  const Descriptor descriptor = read_descriptor(raw, base);
  if (descriptor.uses_torch && descriptor.torch_version != TORCH_VERSION) {
    throw PluginError(base + " was built against LibTorch " +
                      (descriptor.torch_version.empty() ? "(unknown)" : descriptor.torch_version) +
                      ", this cairn uses LibTorch " TORCH_VERSION "; rebuild the plugin against this LibTorch");
  }
  // Kept for plugins without LibTorch too: std::string and std::function cross
  // the Registrar boundary whatever the plugin does with tensors.
  if (descriptor.cxx_abi != CAIRN_CXX_ABI_TAG) {
    throw PluginError(base + " was built for C++ ABI '" + descriptor.cxx_abi + "', this cairn uses '" CAIRN_CXX_ABI_TAG
                             "'; rebuild it with the same compiler family and _GLIBCXX_USE_CXX11_ABI setting");
  }

  OpenedPlugin opened;
  opened.name = descriptor.name;
  opened.version = descriptor.version;
  opened.description = descriptor.description;
  opened.register_fn = descriptor.register_fn;
  if (opened.name.empty()) throw PluginError(base + ": the plugin descriptor has no name");
  if (opened.register_fn == nullptr) throw PluginError(base + ": plugin '" + opened.name + "' has no register function");
  opened.library = std::move(library);
  return opened;
}

}  // namespace cairn
