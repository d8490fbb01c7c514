#include "cli/inspect_plugins.h"

#include "plugin_host/plugin_host.h"

namespace cairn::cli {
namespace {

// Callbacks the `cairn fit` command adds itself, without a plugin.
const char* const kFitBuiltins[] = {"ProgressBar"};

nlohmann::json describe_need(const std::string& kind, PluginKind plugin_kind, const std::string& instance,
                             const PluginHost& host) {
  const std::string name = registered_name(instance);
  nlohmann::json need = {{"kind", kind}, {"instance", instance}, {"name", name},
                         {"loadable", false}, {"plugin", nullptr}, {"file", nullptr}};
  for (const auto& plugin : host.plugins()) {
    for (const auto& entry : plugin.entries) {
      if (entry.kind == plugin_kind && entry.name == name) {
        need["loadable"] = true;
        need["plugin"] = plugin.name;
        need["file"] = plugin.file;
        return need;
      }
    }
  }
  if (plugin_kind == PluginKind::kCallback) {
    for (const char* builtin : kFitBuiltins) {
      if (name == builtin) {
        need["loadable"] = true;
        need["plugin"] = "cairn fit";
        need["file"] = "<built into cairn fit>";
      }
    }
  }
  return need;
}

// A plugin the run had loaded (state['metadata']['plugins']): installed here,
// and at which version.
nlohmann::json describe_plugin(const nlohmann::json& used, const PluginHost& host) {
  const std::string name = used.at("name").is_string() ? used.at("name").get<std::string>() : used.at("name").dump();
  nlohmann::json need = {{"kind", "plugin"},        {"instance", name},  {"name", name},
                         {"version", used.value("version", nlohmann::json())},
                         {"loadable", false},       {"installed_version", nullptr},
                         {"plugin", nullptr},       {"file", nullptr}};
  for (const auto& plugin : host.plugins()) {
    if (plugin.name != name) continue;
    need["loadable"] = true;
    need["installed_version"] = plugin.version;
    need["plugin"] = plugin.name;
    need["file"] = plugin.file;
  }
  return need;
}

}  // namespace

std::string registered_name(const std::string& instance_name) {
  const auto hash = instance_name.rfind('#');
  if (hash == std::string::npos || hash + 1 == instance_name.size()) return instance_name;
  for (size_t i = hash + 1; i < instance_name.size(); ++i) {
    if (instance_name[i] < '0' || instance_name[i] > '9') return instance_name;
  }
  return instance_name.substr(0, hash);
}

void add_plugins_needed(nlohmann::json& report, const PluginHost& host) {
  nlohmann::json needed = nlohmann::json::array();
  for (const auto& instance : report.at("callbacks")) {
    needed.push_back(describe_need("callback", PluginKind::kCallback, instance.get<std::string>(), host));
  }
  for (const auto& instance : report.at("algorithms")) {
    needed.push_back(describe_need("algorithm", PluginKind::kAlgorithm, instance.get<std::string>(), host));
  }
  const bool has_metadata = report.contains("metadata") && report.at("metadata").is_object();
  const nlohmann::json plugins = has_metadata ? report.at("metadata").value("plugins", nlohmann::json()) : nlohmann::json();
  if (plugins.is_array()) {
    for (const auto& used : plugins) {
      if (used.is_object() && used.contains("name")) needed.push_back(describe_plugin(used, host));
    }
  }
  report["plugins_needed"] = needed;
}

}  // namespace cairn::cli
