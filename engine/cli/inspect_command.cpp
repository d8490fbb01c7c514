// `cairn inspect PATH [--tensors] [--json]`: the anatomy of a checkpoint file.
#include <iostream>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "cairn/errors.h"
#include "checkpoint/fetch/checkpoint_source.h"
#include "checkpoint/sharded/sharded_reader.h"
#include "checkpoint/io/checkpoint_file.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/inspect_plugins.h"
#include "cli/inspect_report.h"
#include "cli/sharded_folder.h"
#include "cli/store_location.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"

namespace po = boost::program_options;

namespace cairn::cli {

int run_inspect(const std::vector<std::string>& args) {
  po::options_description desc("cairn inspect options");
  desc.add_options()("help,h", "show this help")("json", po::bool_switch(), "print one JSON object instead of text")(
      "tensors", po::bool_switch(), "list every tensor (name, dtype, shape), not only the first few")(
      "store-config", po::value<std::string>()->default_value("{}")->value_name("JSON"),
      "the store's settings when PATH is a URI (as for cairn cp)")(
      "plugin-dir", po::value<std::vector<std::string>>()->value_name("DIR"),
      "also look for plugins here when checking which ones the checkpoint needs (repeatable)");
  const po::variables_map vm = parse_command_line("inspect", args, desc, {"path"});
  if (vm.count("help")) {
    std::cout << "usage: cairn inspect PATH [--tensors] [--plugin-dir DIR]... [--json]\n\n"
              << "Shows a checkpoint's keys, timestamp, run name, seed, metadata, the plugins it needs (the\n"
              << "callbacks and algorithms whose state it holds, and the plugins the run had loaded) with\n"
              << "whether this installation has them, the tensors and bytes in each section, and its tensors.\n"
              << "PATH is a local file or a store URI (s3://bucket/run/ep1.pt, file:///abs/ep1.pt), which is\n"
              << "downloaded to a temporary file first.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("path")) throw ConfigError("no checkpoint given: usage: cairn inspect PATH [--json]");

  const std::string path = vm["path"].as<std::string>();
  const nlohmann::json store_config = parse_store_config(vm["store-config"].as<std::string>());
  EngineHost host;
  host.load_all(vm.count("plugin-dir") ? vm["plugin-dir"].as<std::vector<std::string>>() : std::vector<std::string>{});
  const StoreLocation location = resolve_location(path, store_config, host);
  nlohmann::json report;
  if (location.is_local() && checkpoint::sharded::is_sharded_checkpoint(path)) {
    report = describe_sharded_folder(path);
  } else if (location.is_local()) {
    report = describe_checkpoint(checkpoint::read_checkpoint(path), path);
  } else {
    const auto fetched = fetch_checkpoint(location.object_name, location.store, &host);
    report = describe_checkpoint(checkpoint::read_checkpoint(fetched->local_path(), fetched->description()), fetched->description());
  }
  add_plugins_needed(report, host);
  if (vm["json"].as<bool>()) {
    std::cout << report.dump(2) << "\n";
  } else {
    std::cout << format_checkpoint_report(report, vm["tensors"].as<bool>());
  }
  return 0;
}

}  // namespace cairn::cli
