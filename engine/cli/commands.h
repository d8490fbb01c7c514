// The subcommands of `cairn`. Each takes the arguments after its name,
// returns the exit status, and reports failures by throwing: cairn::ConfigError
// for bad usage or configuration (exit 2), anything else for runtime failures
// (exit 1); main() turns them into one `cairn: error: ...` line.
#pragma once

#include <string>
#include <vector>

namespace cairn::cli {

int run_fit(const std::vector<std::string>& args);
int run_inspect(const std::vector<std::string>& args);
int run_verify(const std::vector<std::string>& args);
int run_plugins(const std::vector<std::string>& args);
int run_cp(const std::vector<std::string>& args);
int run_ls(const std::vector<std::string>& args);

}  // namespace cairn::cli
