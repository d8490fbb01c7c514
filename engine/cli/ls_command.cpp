// `cairn ls URI`: the objects of a store whose names start with the URI's path
// (prefix semantics, as S3's: "s3://b/run/ep" lists "run/ep1.pt" and
// "run/ep2.pt"), one per line: size in bytes, then the object name.
#include <iomanip>
#include <iostream>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/store_location.h"
#include "plugin_host/plugin_host.h"
#include "remote/retry.h"

namespace po = boost::program_options;

namespace cairn::cli {

int run_ls(const std::vector<std::string>& args) {
  po::options_description desc("cairn ls options");
  desc.add_options()("help,h", "show this help")("store-config", po::value<std::string>()->default_value("{}")->value_name("JSON"),
                                                   "the store's JSON config (credentials, endpoint)")(
      "plugin-dir", po::value<std::vector<std::string>>()->composing()->value_name("DIR"), "also load plugins from DIR (repeatable)");
  const po::variables_map vm = parse_command_line("ls", args, desc, {"uri"});
  if (vm.count("help")) {
    std::cout << "usage: cairn ls URI [--store-config JSON] [--plugin-dir DIR]...\n\n"
              << "Lists the objects whose names start with the URI's path: size in bytes, then the name.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("uri")) throw ConfigError("no URI given: usage: cairn ls URI (e.g. s3://bucket/run/)");
  const std::string text = vm["uri"].as<std::string>();
  if (Uri::parse(text).is_local()) {
    throw ConfigError("'" + text + "' is a local path; cairn ls lists a store URI such as s3://bucket/prefix or "
                      "file:///absolute/folder/");
  }
  const auto host = load_plugins(vm.count("plugin-dir") ? vm["plugin-dir"].as<std::vector<std::string>>()
                                                        : std::vector<std::string>{});
  const StoreLocation location = resolve_location(text, parse_store_config(vm["store-config"].as<std::string>()), *host);
  const RetryPolicy retry;
  std::vector<std::string> names;
  run_with_retries(retry, [&](int) { names = location.store->list_objects(location.object_name); });
  for (const auto& name : names) {
    uint64_t size = 0;
    try {
      run_with_retries(retry, [&](int) { size = location.store->get_object_size(name); });
    } catch (const NotFoundError&) {
      continue;  // deleted since it was listed
    }
    std::cout << std::setw(12) << size << "  " << name << "\n";
  }
  return 0;
}

}  // namespace cairn::cli
