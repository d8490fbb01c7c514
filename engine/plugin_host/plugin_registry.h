// The host's registries: named factories by kind, plus URI scheme -> store.
//
// A plugin registers into a StagingRegistrar first; only when its register_fn
// returned and none of its names clash with an earlier plugin are the entries
// committed. A plugin that throws or clashes therefore leaves no trace.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "cairn/registrar.h"
#include "plugin_host/plugin_host.h"

namespace boost {
namespace dll {
class shared_library;
}
}  // namespace boost

namespace cairn {

using LibraryRef = std::shared_ptr<boost::dll::shared_library>;

using AnyFactory = std::variant<StoreFactory, Factory<Callback>, Factory<Algorithm>, Factory<Model>, Factory<Dataset>>;

struct StagedEntry {
  RegisteredEntry entry;
  AnyFactory factory;
};

class StagingRegistrar : public Registrar {
 public:
  void add_object_store(const std::string& name, const std::vector<std::string>& uri_schemes, StoreFactory factory,
                        const std::string& summary) override;
  void add_callback(const std::string& name, Factory<Callback> factory, const std::string& summary) override;
  void add_algorithm(const std::string& name, Factory<Algorithm> factory, const std::string& summary) override;
  void add_model(const std::string& name, Factory<Model> factory, const std::string& summary) override;
  void add_dataset(const std::string& name, Factory<Dataset> factory, const std::string& summary) override;
  void describe_config(const std::string& kind, const std::string& name, const ConfigSchema& fields) override;
  using Registrar::add_algorithm;
  using Registrar::add_callback;
  using Registrar::add_dataset;
  using Registrar::add_model;
  using Registrar::add_object_store;

  std::vector<StagedEntry>& entries() { return entries_; }

 private:
  void add(PluginKind kind, const std::string& name, std::vector<std::string> schemes, AnyFactory factory,
           const std::string& summary);
  std::vector<StagedEntry> entries_;
};

// One committed factory. `library` is declared before `factory` so that the
// factory (whose code lives in the library) is destroyed first.
struct RegistrySlot {
  LibraryRef library;  // null for built-ins
  AnyFactory factory;
  std::string file;  // the plugin's file, for messages
};

class PluginRegistry {
 public:
  // Why the staged entries cannot be committed ("duplicate model 'mlp', first
  // registered by /x/libcairn-mlp.so"), or "" when they can.
  std::string find_conflict(std::vector<StagedEntry>& staged) const;
  void commit(std::vector<StagedEntry>& staged, const LibraryRef& library, const std::string& file);

  // The slot for `name` of `kind`; ConfigError naming the known ones if absent.
  const RegistrySlot& find(PluginKind kind, const std::string& name) const;
  // The store name registered for a lower-case scheme, or nullptr.
  const std::string* store_for_scheme(const std::string& scheme) const;

  std::vector<std::string> names(PluginKind kind) const;
  std::vector<std::string> schemes() const;

 private:
  std::map<std::string, RegistrySlot> slots_[5];  // indexed by PluginKind
  std::map<std::string, std::string> scheme_to_store_;
  std::map<std::string, std::string> scheme_owner_file_;
};

// "model" / "models" for messages.
std::string kind_noun(PluginKind kind, bool plural = false);

}  // namespace cairn
