#include "plugin_host/plugin_loader.h"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>

#include <boost/dll/shared_library.hpp>

#include "cairn/errors.h"
#include "cairn/plugin.h"

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
  const auto entry = library->get<const cairn_plugin_descriptor_v1*()>(CAIRN_PLUGIN_ENTRY_SYMBOL);
  const cairn_plugin_descriptor_v1* descriptor = nullptr;
  try {
    descriptor = entry();
  } catch (...) {
    throw PluginError(base + ": " CAIRN_PLUGIN_ENTRY_SYMBOL "() threw; the plugin is broken");
  }
  if (descriptor == nullptr) throw PluginError(base + ": " CAIRN_PLUGIN_ENTRY_SYMBOL "() returned null");

  if (descriptor->abi_version != CAIRN_SDK_ABI_VERSION) {
    throw PluginError(base + " was built for Cairn SDK ABI " + std::to_string(descriptor->abi_version) +
                      ", this cairn supports ABI " + std::to_string(CAIRN_SDK_ABI_VERSION) +
                      "; rebuild the plugin against this SDK");
  }
  const std::string torch_version = or_empty(descriptor->torch_version);
  if (torch_version != TORCH_VERSION) {
    throw PluginError(base + " was built against LibTorch " + (torch_version.empty() ? "(unknown)" : torch_version) +
                      ", this cairn uses LibTorch " TORCH_VERSION "; rebuild the plugin against this LibTorch");
  }
  const std::string cxx_abi = or_empty(descriptor->cxx_abi);
  if (cxx_abi != CAIRN_CXX_ABI_TAG) {
    throw PluginError(base + " was built for C++ ABI '" + cxx_abi + "', this cairn uses '" CAIRN_CXX_ABI_TAG
                             "'; rebuild it with the same compiler family and _GLIBCXX_USE_CXX11_ABI setting");
  }

  OpenedPlugin opened;
  opened.name = or_empty(descriptor->name);
  opened.version = or_empty(descriptor->version);
  opened.description = or_empty(descriptor->description);
  opened.register_fn = descriptor->register_fn;
  if (opened.name.empty()) throw PluginError(base + ": the plugin descriptor has no name");
  if (opened.register_fn == nullptr) throw PluginError(base + ": plugin '" + opened.name + "' has no register function");
  opened.library = std::move(library);
  return opened;
}

}  // namespace cairn
