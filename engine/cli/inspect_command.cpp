// `cairn inspect PATH [--json]`: the anatomy of a checkpoint file.
#include <iostream>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/variables_map.hpp>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "cli/commands.h"
#include "cli/inspect_report.h"

namespace po = boost::program_options;

namespace cairn::cli {

int run_inspect(const std::vector<std::string>& args) {
  po::options_description desc("cairn inspect options");
  desc.add_options()("help,h", "show this help")("json", po::bool_switch(), "print one JSON object instead of text");
  // PATH is positional only, so it stays out of the --help listing.
  po::options_description all;
  all.add(desc).add_options()("path", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("path", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  } catch (const po::error& e) {
    throw ConfigError(std::string(e.what()) + " (see 'cairn inspect --help')");
  }
  if (vm.count("help")) {
    std::cout << "usage: cairn inspect PATH [--json]\n\n"
              << "Shows a checkpoint's keys, timestamp, run name, seed, metadata, the callbacks and algorithms\n"
              << "whose state it holds, and the tensors and bytes in each section.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("path")) throw ConfigError("no checkpoint given: usage: cairn inspect PATH [--json]");

  const std::string path = vm["path"].as<std::string>();
  const nlohmann::json report = describe_checkpoint(checkpoint::read_checkpoint(path), path);
  if (vm["json"].as<bool>()) {
    std::cout << report.dump(2) << "\n";
  } else {
    std::cout << format_checkpoint_report(report);
  }
  return 0;
}

}  // namespace cairn::cli
