// Parsing a subcommand's arguments: its options, then its positional
// arguments by name, in order; anything more is refused naming the first
// extra argument, so that a stray word is never silently dropped.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

namespace cairn::cli {

// `command` is the subcommand's name, for messages ("see 'cairn ls --help'").
// `positional` names each positional argument; they are parsed as strings and
// stay out of the --help listing. ConfigError for any parse error.
boost::program_options::variables_map parse_command_line(const std::string& command,
                                                         const std::vector<std::string>& args,
                                                         const boost::program_options::options_description& options,
                                                         const std::vector<std::string>& positional = {});

}  // namespace cairn::cli
