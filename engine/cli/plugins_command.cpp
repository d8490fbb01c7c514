// `cairn plugins [NAME] [--plugin-dir DIR]... [--json]`: what the plugin search
// finds, and the config fields every factory accepts.
#include <algorithm>
#include <cctype>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <boost/filesystem/operations.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/fit_builtins.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"

namespace po = boost::program_options;

namespace cairn::cli {
namespace {

// null when the plugin did not declare its fields.
nlohmann::json describe_fields(bool described, const ConfigSchema& fields) {
  if (!described) return nullptr;
  nlohmann::json out = nlohmann::json::array();
  for (const ConfigField& field : fields) {
    out.push_back({{"name", field.name},
                   {"type", field.type},
                   {"required", field.required()},
                   {"default", field.required() ? nlohmann::json(nullptr) : nlohmann::json(field.default_json)},
                   {"help", field.help}});
  }
  return out;
}

nlohmann::json describe_fit_builtins() {
  nlohmann::json out = nlohmann::json::array();
  for (const FitBuiltin& builtin : fit_builtins()) {
    out.push_back({{"kind", builtin.kind},
                   {"name", builtin.name},
                   {"summary", builtin.summary},
                   {"config", describe_fields(true, builtin.config_fields)}});
  }
  return out;
}

nlohmann::json describe_plugins(const PluginHost& host, const std::vector<std::string>& plugin_dirs) {
  nlohmann::json search_path = nlohmann::json::array();
  for (const auto& dir : PluginHost::search_path(plugin_dirs)) {
    search_path.push_back({{"dir", dir}, {"exists", boost::filesystem::is_directory(dir)}});
  }
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& info : host.plugins()) {
    nlohmann::json kinds = nlohmann::json::array();
    nlohmann::json registered = nlohmann::json::array();
    for (const auto& entry : info.entries) {
      const std::string kind = to_string(entry.kind);
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
      nlohmann::json item = {{"kind", kind},
                             {"name", entry.name},
                             {"summary", entry.summary},
                             {"config", describe_fields(entry.config_described, entry.config_fields)}};
      if (!entry.uri_schemes.empty()) item["uri_schemes"] = entry.uri_schemes;
      registered.push_back(std::move(item));
    }
    plugins.push_back({{"name", info.name},
                       {"version", info.version},
                       {"description", info.description},
                       {"file", info.file},
                       {"kinds", kinds},
                       {"registered", registered}});
  }
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& failure : host.failures()) failures.push_back({{"file", failure.file}, {"reason", failure.reason}});
  return {{"search_path", search_path},
          {"plugins", plugins},
          {"fit_builtins", describe_fit_builtins()},
          {"failures", failures}};
}

std::string default_text(const nlohmann::json& field) {
  return field.at("required").get<bool>() ? "required" : "default " + field.at("default").get<std::string>();
}

// One line per field: "name: type, default 64".
std::string fields_brief(const nlohmann::json& config, const std::string& indent) {
  std::ostringstream out;
  if (config.is_null()) {
    out << indent << "(config fields not declared by the plugin)\n";
  } else if (config.empty()) {
    out << indent << "(no config fields)\n";
  }
  for (const auto& field : config.is_array() ? config : nlohmann::json::array()) {
    out << indent << field.at("name").get<std::string>() << ": " << field.at("type").get<std::string>() << ", "
        << default_text(field) << "\n";
  }
  return out.str();
}

// `cairn plugins NAME`: every factory of that name, with its fields explained.
void print_named(const nlohmann::json& report, const std::string& wanted) {
  auto same = [](std::string a, std::string b) {
    for (auto* s : {&a, &b})
      for (auto& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return a == b;
  };
  std::vector<std::pair<std::string, nlohmann::json>> found;  // (where, entry)
  std::vector<std::string> known;
  for (const auto& plugin : report.at("plugins")) {
    for (const auto& entry : plugin.at("registered")) {
      known.push_back(entry.at("name").get<std::string>());
      if (same(entry.at("name").get<std::string>(), wanted) || same(plugin.at("name").get<std::string>(), wanted)) {
        found.emplace_back("plugin " + plugin.at("name").get<std::string>() + " " +
                               plugin.at("version").get<std::string>() + ", " + plugin.at("file").get<std::string>(),
                           entry);
      }
    }
  }
  for (const auto& builtin : report.at("fit_builtins")) {
    known.push_back(builtin.at("name").get<std::string>());
    if (same(builtin.at("name").get<std::string>(), wanted)) found.emplace_back("built into cairn fit", builtin);
  }
  if (found.empty()) {
    std::string names;
    for (const auto& name : known) names += (names.empty() ? "" : ", ") + name;
    throw ConfigError("no plugin, factory or built-in is named '" + wanted + "'; known names: " + names +
                      " (see 'cairn plugins')");
  }
  for (const auto& [where, entry] : found) {
    std::cout << entry.at("kind").get<std::string>() << " " << entry.at("name").get<std::string>() << " (" << where
              << ")\n";
    if (!entry.at("summary").get<std::string>().empty()) std::cout << "  " << entry.at("summary").get<std::string>() << "\n";
    const nlohmann::json& config = entry.at("config");
    if (!config.is_array() || config.empty()) {
      std::cout << fields_brief(config, "  ") << "\n";
      continue;
    }
    size_t name_width = 5, type_width = 4, default_width = 7;
    for (const auto& field : config) {
      name_width = std::max(name_width, field.at("name").get<std::string>().size());
      type_width = std::max(type_width, field.at("type").get<std::string>().size());
      default_width = std::max(default_width, default_text(field).size());
    }
    std::cout << "  config fields (JSON after NAME=, or \"config\" in a config file):\n";
    for (const auto& field : config) {
      std::cout << "    " << std::left << std::setw(static_cast<int>(name_width + 2)) << field.at("name").get<std::string>()
                << std::setw(static_cast<int>(type_width + 2)) << field.at("type").get<std::string>()
                << std::setw(static_cast<int>(default_width + 2)) << default_text(field) << std::right
                << field.at("help").get<std::string>() << "\n";
    }
    std::cout << "\n";
  }
}

void print_text(const nlohmann::json& report) {
  std::cout << "search path (first match of a name wins):\n";
  for (const auto& dir : report.at("search_path")) {
    std::cout << "  " << dir.at("dir").get<std::string>() << (dir.at("exists").get<bool>() ? "" : "  (missing)")
              << "\n";
  }
  std::cout << "\nplugins:\n";
  for (const auto& plugin : report.at("plugins")) {
    std::cout << "  " << plugin.at("name").get<std::string>() << " " << plugin.at("version").get<std::string>();
    const std::string description = plugin.at("description").get<std::string>();
    if (!description.empty()) std::cout << " - " << description;
    std::cout << "\n    file: " << plugin.at("file").get<std::string>() << "\n";
    for (const auto& entry : plugin.at("registered")) {
      std::cout << "    " << entry.at("kind").get<std::string>() << " " << entry.at("name").get<std::string>();
      if (entry.contains("uri_schemes")) {
        std::string schemes;
        for (const auto& s : entry.at("uri_schemes")) schemes += (schemes.empty() ? "" : ", ") + s.get<std::string>() + "://";
        std::cout << " (" << schemes << ")";
      }
      const std::string summary = entry.at("summary").get<std::string>();
      if (!summary.empty()) std::cout << ": " << summary;
      std::cout << "\n" << fields_brief(entry.at("config"), "      ");
    }
  }
  if (report.at("plugins").empty()) std::cout << "  (none)\n";
  std::cout << "\nbuilt into cairn fit (--optimizer, --scheduler):\n";
  for (const auto& builtin : report.at("fit_builtins")) {
    std::cout << "    " << builtin.at("kind").get<std::string>() << " " << builtin.at("name").get<std::string>()
              << ": " << builtin.at("summary").get<std::string>() << "\n"
              << fields_brief(builtin.at("config"), "      ");
  }
  const nlohmann::json& failures = report.at("failures");
  if (!failures.empty()) {
    std::cout << "\nfailed to load:\n";
    for (const auto& failure : failures) {
      std::cout << "  " << failure.at("file").get<std::string>() << ": " << failure.at("reason").get<std::string>()
                << "\n";
    }
  }
}

}  // namespace

int run_plugins(const std::vector<std::string>& args) {
  po::options_description desc("cairn plugins options");
  desc.add_options()("help,h", "show this help")(
      "plugin-dir", po::value<std::vector<std::string>>()->value_name("DIR"),
      "also search DIR, before CAIRN_PLUGIN_PATH and the installed plugins (repeatable)")(
      "json", po::bool_switch(), "print one JSON object instead of text");
  const po::variables_map vm = parse_command_line("plugins", args, desc, {"name"});
  if (vm.count("help")) {
    std::cout << "usage: cairn plugins [NAME] [--plugin-dir DIR]... [--json]\n\n"
              << "Lists every plugin found (name, version, what it registers with the config fields each\n"
              << "factory accepts, file), the optimizers and schedulers built into cairn fit, and every file\n"
              << "that failed to load, with the reason. With NAME (a factory such as mlp or EarlyStopper, a\n"
              << "plugin, an optimizer or a scheduler), shows that one with each field's type, default and\n"
              << "meaning.\n\n"
              << desc << "\n";
    return 0;
  }
  const std::vector<std::string> dirs =
      vm.count("plugin-dir") ? vm["plugin-dir"].as<std::vector<std::string>>() : std::vector<std::string>{};
  EngineHost host;
  host.load_all(dirs);
  const nlohmann::json report = describe_plugins(host, dirs);
  if (vm.count("name")) {
    if (vm["json"].as<bool>()) throw ConfigError("cairn plugins NAME has no --json form; use 'cairn plugins --json'");
    print_named(report, vm["name"].as<std::string>());
  } else if (vm["json"].as<bool>()) {
    std::cout << report.dump(2) << "\n";
  } else {
    print_text(report);
  }
  return 0;
}

}  // namespace cairn::cli
