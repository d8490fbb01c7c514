// Loads plugins from shared libraries and owns what they register.
//
// Search order (first match of a plugin name wins; later duplicates are
// reported as failures): every --plugin-dir given, then each entry of
// CAIRN_PLUGIN_PATH (':'-separated), then <dir of the running binary>/../lib/cairn/plugins.
//
// Every object a plugin's factory makes holds a reference to the plugin's
// shared library, so the library stays loaded while any object from it lives.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cairn/config_schema.h"
#include "cairn/object_store.h"
#include "store/store_opener.h"

namespace cairn {

class Algorithm;
class Callback;
class Dataset;
class Model;
class Registrar;

enum class PluginKind { kObjectStore, kCallback, kAlgorithm, kModel, kDataset };
const char* to_string(PluginKind kind);

// One registered factory: "model mlp", "object_store local (schemes: file)".
struct RegisteredEntry {
  PluginKind kind;
  std::string name;
  std::vector<std::string> uri_schemes;  // object stores only
  std::string summary;
  // The config's fields, when the plugin declared them (Registrar::describe_config).
  bool config_described = false;
  ConfigSchema config_fields;
};

struct PluginInfo {
  std::string name;
  std::string version;
  std::string description;
  std::string file;  // absolute path of the shared library; "<builtin>" for the engine's own
  std::vector<RegisteredEntry> entries;
};

struct PluginLoadFailure {
  std::string file;
  std::string reason;  // one line: what was wrong and what to do
};

// The engine's own factories (the local store, CheckpointSaver,
// RemoteUploaderDownloader) are not registered here but by the composition
// root above (app/engine_host.h), which depends on them.
class PluginHost : public StoreOpener {
 public:
  PluginHost();
  ~PluginHost() override;
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // The directories searched, in order: `plugin_dirs`, CAIRN_PLUGIN_PATH, the
  // install location next to the running binary. Missing directories are kept
  // (and reported by load_all when explicitly given).
  static std::vector<std::string> search_path(const std::vector<std::string>& plugin_dirs);

  // Loads every shared library in the search path. Never throws for a bad
  // file: it is recorded in failures() and the others still load.
  void load_all(const std::vector<std::string>& plugin_dirs);
  // Loads one file; false (and a recorded failure) if it is not a usable plugin.
  bool load_file(const std::string& path);

  // Registers factories compiled into the host (the engine's own, or an
  // embedding application's) as if they came from a plugin named `name`.
  void add_builtin(const std::string& name, const std::string& description,
                   const std::function<void(Registrar&)>& register_fn);

  const std::vector<PluginInfo>& plugins() const;
  const std::vector<PluginLoadFailure>& failures() const;

  // Factories by registered name. Unknown names throw ConfigError listing the
  // known names of that kind; bad JSON config throws the plugin's ConfigError.
  std::shared_ptr<Model> make_model(const std::string& name, const nlohmann::json& config) const;
  std::shared_ptr<Dataset> make_dataset(const std::string& name, const nlohmann::json& config) const;
  std::shared_ptr<Callback> make_callback(const std::string& name, const nlohmann::json& config) const;
  std::shared_ptr<Algorithm> make_algorithm(const std::string& name, const nlohmann::json& config) const;

  // Object stores by name (config alone) or by the scheme of a URI. A scheme no
  // plugin registered throws ConfigError: "no loaded plugin handles 'oci://' URIs ...".
  std::shared_ptr<ObjectStore> open_store(const std::string& name, const nlohmann::json& config) const override;
  std::shared_ptr<ObjectStore> open_store_for_uri(const Uri& uri, const nlohmann::json& config) const override;
  bool handles_scheme(const std::string& scheme) const override;

  std::vector<std::string> names(PluginKind kind) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn
