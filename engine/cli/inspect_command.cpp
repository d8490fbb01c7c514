// `cairn inspect PATH [--json]`: the anatomy of a checkpoint file.
#include <iostream>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/inspect_plugins.h"
#include "cli/inspect_report.h"
#include "plugin_host/plugin_host.h"

namespace po = boost::program_options;

namespace cairn::cli {

int run_inspect(const std::vector<std::string>& args) {
  po::options_description desc("cairn inspect options");
  desc.add_options()("help,h", "show this help")("json", po::bool_switch(), "print one JSON object instead of text")(
      "plugin-dir", po::value<std::vector<std::string>>()->value_name("DIR"),
      "also look for plugins here when checking which ones the checkpoint needs (repeatable)");
  const po::variables_map vm = parse_command_line("inspect", args, desc, {"path"});
  if (vm.count("help")) {
    std::cout << "usage: cairn inspect PATH [--plugin-dir DIR]... [--json]\n\n"
              << "Shows a checkpoint's keys, timestamp, run name, seed, metadata, the callbacks and algorithms\n"
              << "whose state it holds (and whether a plugin in the search path can load each), and the\n"
              << "tensors and bytes in each section.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("path")) throw ConfigError("no checkpoint given: usage: cairn inspect PATH [--json]");

  const std::string path = vm["path"].as<std::string>();
  nlohmann::json report = describe_checkpoint(checkpoint::read_checkpoint(path), path);
  PluginHost host;
  host.load_all(vm.count("plugin-dir") ? vm["plugin-dir"].as<std::vector<std::string>>() : std::vector<std::string>{});
  add_plugins_needed(report, host);
  if (vm["json"].as<bool>()) {
    std::cout << report.dump(2) << "\n";
  } else {
    std::cout << format_checkpoint_report(report);
  }
  return 0;
}

}  // namespace cairn::cli
