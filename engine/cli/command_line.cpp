#include "cli/command_line.h"

#include <cctype>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>

#include "cairn/errors.h"

namespace po = boost::program_options;

namespace cairn::cli {
namespace {

// Collects whatever follows the expected positional arguments.
constexpr const char* kExtra = "cairn-extra-arguments";

}  // namespace

po::variables_map parse_command_line(const std::string& command, const std::vector<std::string>& args,
                                     const po::options_description& options,
                                     const std::vector<std::string>& positional) {
  po::options_description all;
  all.add(options);
  po::positional_options_description order;
  for (const auto& name : positional) {
    all.add_options()(name.c_str(), po::value<std::string>());
    order.add(name.c_str(), 1);
  }
  all.add_options()(kExtra, po::value<std::vector<std::string>>());
  order.add(kExtra, -1);

  const std::string see = " (see 'cairn " + command + " --help')";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(order).run(), vm);
  } catch (const po::error& e) {
    throw ConfigError(std::string(e.what()) + see);
  }
  if (vm.count(kExtra)) {
    const auto& extra = vm[kExtra].as<std::vector<std::string>>();
    std::string expected;
    for (const auto& name : positional) {
      std::string upper = name;
      for (auto& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
      expected += (expected.empty() ? "" : " ") + upper;
    }
    std::string named;
    for (const auto& word : extra) named += (named.empty() ? "'" : ", '") + word + "'";
    throw ConfigError("unexpected argument" + std::string(extra.size() > 1 ? "s " : " ") + named + ": cairn " +
                      command + " takes " + (positional.empty() ? "only options" : "only " + expected + " and options") +
                      "; quote a value that contains spaces" + see);
  }
  return vm;
}

}  // namespace cairn::cli
