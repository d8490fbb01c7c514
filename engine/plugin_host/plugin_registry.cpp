#include "plugin_host/plugin_registry.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <boost/dll/shared_library.hpp>

#include "cairn/errors.h"

namespace cairn {

const char* to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::kObjectStore: return "object_store";
    case PluginKind::kCallback: return "callback";
    case PluginKind::kAlgorithm: return "algorithm";
    case PluginKind::kModel: return "model";
    case PluginKind::kDataset: return "dataset";
  }
  return "unknown";
}

std::string kind_noun(PluginKind kind, bool plural) {
  std::string noun = kind == PluginKind::kObjectStore ? "object store" : to_string(kind);
  return plural ? noun + "s" : noun;
}

namespace {

std::string join(const std::vector<std::string>& items) {
  if (items.empty()) return "none";
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

void StagingRegistrar::add(PluginKind kind, const std::string& name, std::vector<std::string> schemes,
                           AnyFactory factory, const std::string& summary) {
  // A plugin bug, reported when the plugin registers; register_fn's exception
  // becomes the plugin's load failure.
  if (name.empty()) throw PluginError("a " + kind_noun(kind) + " was registered with an empty name");
  StagedEntry staged{RegisteredEntry{kind, name, std::move(schemes), summary}, std::move(factory)};
  entries_.push_back(std::move(staged));
}

void StagingRegistrar::add_object_store(const std::string& name, const std::vector<std::string>& uri_schemes,
                                        StoreFactory factory, const std::string& summary) {
  std::vector<std::string> schemes;
  for (const auto& scheme : uri_schemes) {
    if (scheme.empty()) throw PluginError("object store '" + name + "' registered an empty URI scheme");
    schemes.push_back(lower(scheme));
  }
  add(PluginKind::kObjectStore, name, std::move(schemes), std::move(factory), summary);
}

void StagingRegistrar::add_callback(const std::string& name, Factory<Callback> factory, const std::string& summary) {
  add(PluginKind::kCallback, name, {}, std::move(factory), summary);
}
void StagingRegistrar::add_algorithm(const std::string& name, Factory<Algorithm> factory, const std::string& summary) {
  add(PluginKind::kAlgorithm, name, {}, std::move(factory), summary);
}
void StagingRegistrar::add_model(const std::string& name, Factory<Model> factory, const std::string& summary) {
  add(PluginKind::kModel, name, {}, std::move(factory), summary);
}
void StagingRegistrar::add_dataset(const std::string& name, Factory<Dataset> factory, const std::string& summary) {
  add(PluginKind::kDataset, name, {}, std::move(factory), summary);
}

void StagingRegistrar::describe_config(const std::string& kind, const std::string& name, const ConfigSchema& fields) {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    RegisteredEntry& entry = it->entry;
    if (entry.name != name || kind != to_string(entry.kind)) continue;
    std::set<std::string> seen;
    for (const ConfigField& field : fields) {
      if (field.name.empty() || !seen.insert(field.name).second) {
        throw PluginError(kind_noun(entry.kind) + " '" + name + "' describes its config field '" + field.name +
                          "' twice or with an empty name");
      }
    }
    entry.config_described = true;
    entry.config_fields = fields;
    return;
  }
  throw PluginError("the config of " + kind + " '" + name + "' was described before (or without) registering it");
}

std::string PluginRegistry::find_conflict(std::vector<StagedEntry>& staged) const {
  // Also within the plugin itself: registering "mlp" twice is as ambiguous.
  std::set<std::pair<int, std::string>> own_names;
  std::set<std::string> own_schemes;
  for (const auto& s : staged) {
    const auto& e = s.entry;
    const auto& slots = slots_[static_cast<int>(e.kind)];
    const auto found = slots.find(e.name);
    if (found != slots.end()) {
      return "duplicate " + kind_noun(e.kind) + " '" + e.name + "', first registered by " + found->second.file;
    }
    if (!own_names.insert({static_cast<int>(e.kind), e.name}).second) {
      return "duplicate " + kind_noun(e.kind) + " '" + e.name + "', registered twice by this plugin";
    }
    for (const auto& scheme : e.uri_schemes) {
      const auto owner = scheme_owner_file_.find(scheme);
      if (owner != scheme_owner_file_.end()) {
        return "duplicate URI scheme '" + scheme + "://' (object store '" + e.name + "'), first registered by " +
               owner->second;
      }
      if (!own_schemes.insert(scheme).second) {
        return "duplicate URI scheme '" + scheme + "://', registered twice by this plugin";
      }
    }
  }
  return "";
}

void PluginRegistry::commit(std::vector<StagedEntry>& staged, const LibraryRef& library, const std::string& file) {
  for (auto& s : staged) {
    for (const auto& scheme : s.entry.uri_schemes) {
      scheme_to_store_[scheme] = s.entry.name;
      scheme_owner_file_[scheme] = file;
    }
    slots_[static_cast<int>(s.entry.kind)].emplace(s.entry.name, RegistrySlot{library, std::move(s.factory), file});
  }
  staged.clear();
}

const RegistrySlot& PluginRegistry::find(PluginKind kind, const std::string& name) const {
  const auto& slots = slots_[static_cast<int>(kind)];
  const auto found = slots.find(name);
  if (found == slots.end()) {
    throw ConfigError("unknown " + kind_noun(kind) + " '" + name + "'; loaded " + kind_noun(kind, true) + ": " +
                      join(names(kind)) + ". Check --plugin-dir or `cairn plugins`");
  }
  return found->second;
}

const std::string* PluginRegistry::store_for_scheme(const std::string& scheme) const {
  const auto found = scheme_to_store_.find(lower(scheme));
  return found == scheme_to_store_.end() ? nullptr : &found->second;
}

std::vector<std::string> PluginRegistry::names(PluginKind kind) const {
  std::vector<std::string> out;
  for (const auto& item : slots_[static_cast<int>(kind)]) out.push_back(item.first);
  return out;
}

std::vector<std::string> PluginRegistry::schemes() const {
  std::vector<std::string> out;
  for (const auto& item : scheme_to_store_) out.push_back(item.first);
  return out;
}

}  // namespace cairn
