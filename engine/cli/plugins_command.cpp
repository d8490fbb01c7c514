// `cairn plugins [--plugin-dir DIR]... [--json]`: what the plugin search finds.
#include <algorithm>
#include <iostream>

#include <boost/filesystem/operations.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "plugin_host/plugin_host.h"

namespace po = boost::program_options;

namespace cairn::cli {
namespace {

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
      nlohmann::json item = {{"kind", kind}, {"name", entry.name}, {"summary", entry.summary}};
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
  return {{"search_path", search_path}, {"plugins", plugins}, {"failures", failures}};
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
      std::cout << "\n";
    }
  }
  if (report.at("plugins").empty()) std::cout << "  (none)\n";
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
  const po::variables_map vm = parse_command_line("plugins", args, desc);
  if (vm.count("help")) {
    std::cout << "usage: cairn plugins [--plugin-dir DIR]... [--json]\n\n"
              << "Lists every plugin found (name, version, what it registers, file) and every file that\n"
              << "failed to load, with the reason.\n\n"
              << desc << "\n";
    return 0;
  }
  const std::vector<std::string> dirs =
      vm.count("plugin-dir") ? vm["plugin-dir"].as<std::vector<std::string>>() : std::vector<std::string>{};
  PluginHost host;
  host.load_all(dirs);
  const nlohmann::json report = describe_plugins(host, dirs);
  if (vm["json"].as<bool>()) {
    std::cout << report.dump(2) << "\n";
  } else {
    print_text(report);
  }
  return 0;
}

}  // namespace cairn::cli
