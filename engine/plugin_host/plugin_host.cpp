#include "plugin_host/plugin_host.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <boost/dll/shared_library.hpp>
#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "cairn/algorithm.h"
#include "cairn/callback.h"
#include "cairn/dataset.h"
#include "cairn/errors.h"
#include "cairn/model.h"
#include "cairn/version.h"
#include "core/one_line.h"
#include "plugin_host/plugin_loader.h"
#include "plugin_host/plugin_registry.h"
#include "plugin_host/search_path.h"

namespace cairn {

namespace fs = std::filesystem;

namespace {

const char* const kBuiltinFile = "<builtin>";

// The object's deleter holds the library: the code of the object's destructor
// and vtable lives there, so the library must outlive the object (Boost.DLL
// tutorial 8). The library reference is dropped only after `delete` returned.
template <typename T>
std::shared_ptr<T> keep_library_alive(std::unique_ptr<T> object, const LibraryRef& library) {
  if (!library) return std::shared_ptr<T>(std::move(object));
  return std::shared_ptr<T>(object.release(), [library](T* p) { delete p; });
}

template <typename T>
std::shared_ptr<T> make_from(const PluginRegistry& registry, PluginKind kind, const std::string& name,
                             const nlohmann::json& config) {
  const RegistrySlot& slot = registry.find(kind, name);
  std::unique_ptr<T> object = std::get<Factory<T>>(slot.factory)(config);
  if (!object) {
    throw PluginError(kind_noun(kind) + " '" + name + "' from " + slot.file + " returned no object; the plugin is broken");
  }
  return keep_library_alive(std::move(object), slot.library);
}

std::string join(const std::vector<std::string>& items, const std::string& suffix = "") {
  if (items.empty()) return "none";
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item + suffix;
  return out;
}

}  // namespace

struct PluginHost::Impl {
  // Declared first so that it is destroyed last: the registry's factories and
  // the staged entries of a failed plugin hold code from these libraries.
  std::vector<LibraryRef> libraries;
  PluginRegistry registry;
  std::vector<PluginInfo> plugins;
  std::vector<PluginLoadFailure> failures;
  std::map<std::string, std::string> plugin_file_by_name;

  void fail(const std::string& file, const std::string& reason) { failures.push_back({file, one_line(reason)}); }

  // Runs `register_fn` into a staging registrar and commits only a clean,
  // clash-free registration. Returns the reason it was refused, or "".
  std::string register_plugin(const std::string& name, const std::string& version, const std::string& description,
                              const std::string& file, const LibraryRef& library,
                              const std::function<void(Registrar&)>& register_fn) {
    const auto earlier = plugin_file_by_name.find(name);
    if (earlier != plugin_file_by_name.end()) {
      return "duplicate plugin name '" + name + "', first registered by " + earlier->second + "; this copy was skipped";
    }
    StagingRegistrar staging;
    try {
      register_fn(staging);
    } catch (const std::exception& e) {
      return "plugin '" + name + "' failed to register: " + e.what();
    } catch (...) {
      return "plugin '" + name + "' failed to register: it threw a non-standard exception";
    }
    std::string conflict = registry.find_conflict(staging.entries());
    if (!conflict.empty()) return "plugin '" + name + "': " + conflict + "; this plugin was skipped";

    PluginInfo info{name, version, description, file, {}};
    for (const auto& staged : staging.entries()) info.entries.push_back(staged.entry);
    registry.commit(staging.entries(), library, file);
    plugins.push_back(std::move(info));
    plugin_file_by_name[name] = file;
    if (library) libraries.push_back(library);
    return "";
  }
};

// libcurl's global state (and OpenSSL's, which it sets up) is initialised once
// per process by the host, before any plugin can run: curl_global_init is not
// thread-safe, and plugins (through Cairn::http) rely on it having been done.
static void initialise_process_libraries() {
  static const CURLcode curl_status = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (curl_status != CURLE_OK) {
    throw PluginError(std::string("libcurl could not be initialised: ") + curl_easy_strerror(curl_status));
  }
}

PluginHost::PluginHost() : impl_(std::make_unique<Impl>()) { initialise_process_libraries(); }

PluginHost::~PluginHost() = default;

void PluginHost::load_all(const std::vector<std::string>& plugin_dirs) {
  std::set<std::string> scanned;
  for (const auto& dir : plugin_search_dirs(plugin_dirs)) {
    std::error_code ec;
    if (!fs::is_directory(dir.path, ec)) {
      if (dir.source == SearchDirSource::kPluginDirFlag) {
        impl_->fail(dir.path, "plugin directory '" + dir.path + "' does not exist");
      } else if (dir.source == SearchDirSource::kEnvironment) {
        impl_->fail(dir.path, "plugin directory '" + dir.path + "' (from CAIRN_PLUGIN_PATH) does not exist");
      }
      continue;
    }
    // The same folder reached twice (a flag naming the default folder) is
    // scanned once, so its plugins are not reported as their own duplicates.
    const std::string canonical = fs::weakly_canonical(dir.path, ec).string();
    if (!scanned.insert(ec ? dir.path : canonical).second) continue;
    for (const auto& file : plugin_files_in(dir.path)) load_file(file);
  }
}

bool PluginHost::load_file(const std::string& path) {
  const std::string file = fs::absolute(path).lexically_normal().string();
  OpenedPlugin opened;
  try {
    opened = open_plugin(file);
  } catch (const std::exception& e) {
    impl_->fail(file, e.what());
    return false;
  }
  // `opened.library` outlives the staged factories and any exception object
  // the plugin threw: both are gone when register_plugin returns.
  const std::string refused = impl_->register_plugin(opened.name, opened.version, opened.description, file,
                                                     opened.library, opened.register_fn);
  if (!refused.empty()) {
    impl_->fail(file, refused);
    return false;
  }
  return true;
}

void PluginHost::add_builtin(const std::string& name, const std::string& description,
                             const std::function<void(Registrar&)>& register_fn) {
  const std::string refused =
      impl_->register_plugin(name, CAIRN_VERSION_STRING, description, kBuiltinFile, nullptr, register_fn);
  // Built-ins are the program's own code: a clash is a bug, not a bad file.
  if (!refused.empty()) throw PluginError("built-in " + refused);
}

const std::vector<PluginInfo>& PluginHost::plugins() const { return impl_->plugins; }

const std::vector<PluginLoadFailure>& PluginHost::failures() const { return impl_->failures; }

std::shared_ptr<Model> PluginHost::make_model(const std::string& name, const nlohmann::json& config) const {
  return make_from<Model>(impl_->registry, PluginKind::kModel, name, config);
}

std::shared_ptr<Dataset> PluginHost::make_dataset(const std::string& name, const nlohmann::json& config) const {
  return make_from<Dataset>(impl_->registry, PluginKind::kDataset, name, config);
}

std::shared_ptr<Callback> PluginHost::make_callback(const std::string& name, const nlohmann::json& config) const {
  return make_from<Callback>(impl_->registry, PluginKind::kCallback, name, config);
}

std::shared_ptr<Algorithm> PluginHost::make_algorithm(const std::string& name, const nlohmann::json& config) const {
  return make_from<Algorithm>(impl_->registry, PluginKind::kAlgorithm, name, config);
}

namespace {

std::shared_ptr<ObjectStore> make_store(const PluginRegistry& registry, const std::string& name, const Uri& location,
                                        const nlohmann::json& config) {
  const RegistrySlot& slot = registry.find(PluginKind::kObjectStore, name);
  std::unique_ptr<ObjectStore> store = std::get<StoreFactory>(slot.factory)(location, config);
  if (!store) throw PluginError("object store '" + name + "' from " + slot.file + " returned no store; the plugin is broken");
  return keep_library_alive(std::move(store), slot.library);
}

}  // namespace

std::shared_ptr<ObjectStore> PluginHost::open_store(const std::string& name, const nlohmann::json& config) const {
  return make_store(impl_->registry, name, Uri{}, config);
}

std::shared_ptr<ObjectStore> PluginHost::open_store_for_uri(const Uri& uri, const nlohmann::json& config) const {
  if (uri.is_local()) throw ConfigError(local_path_is_not_a_uri_message(uri.path));
  const std::string* store = impl_->registry.store_for_scheme(uri.scheme);
  if (store == nullptr) throw ConfigError(unhandled_scheme_message(uri.scheme, impl_->registry.schemes()));
  return make_store(impl_->registry, *store, uri, config);
}

bool PluginHost::handles_scheme(const std::string& scheme) const {
  return impl_->registry.store_for_scheme(scheme) != nullptr;
}

std::vector<std::string> PluginHost::names(PluginKind kind) const { return impl_->registry.names(kind); }

}  // namespace cairn
