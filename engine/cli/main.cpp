// `cairn`: train with Composer-style checkpointing, inspect checkpoints, list
// plugins, copy and list objects in stores.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <torch/csrc/api/include/torch/version.h>

#include "cairn/errors.h"
#include "cairn/version.h"
#include "cli/commands.h"
#include "core/one_line.h"

namespace {

constexpr int kExitRuntimeError = 1;
constexpr int kExitUsageError = 2;

const char kUsage[] =
    "usage: cairn <command> [options]\n"
    "\n"
    "commands:\n"
    "  fit       train a model, saving and resuming Composer-style checkpoints\n"
    "  inspect   show what a checkpoint file holds\n"
    "  plugins   list the plugins found, the config fields of each factory, and load failures\n"
    "  verify    check a checkpoint's integrity and signature without loading it\n"
    "  cp        copy a file between local paths and object stores (s3://, file://, ...)\n"
    "  ls        list the objects under a store URI, with their sizes\n"
    "\n"
    "options:\n"
    "  -h, --help   show this help ('cairn <command> --help' for a command's options)\n"
    "  --version    show the Cairn, LibTorch and plugin SDK versions\n";

void print_version() {
  std::cout << "cairn " << CAIRN_VERSION_STRING << "\n"
            << "libtorch " << TORCH_VERSION << "\n"
            << "plugin sdk abi " << CAIRN_SDK_ABI_VERSION << " (" << CAIRN_CXX_ABI_TAG << ")\n";
}

int dispatch(const std::vector<std::string>& args) {
  if (args.empty()) {
    throw cairn::ConfigError("no command given; use one of fit, inspect, verify, plugins, cp, ls (see 'cairn --help')");
  }
  const std::string& command = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "--version" || command == "version") {
    print_version();
    return 0;
  }
  if (command == "fit") return cairn::cli::run_fit(rest);
  if (command == "inspect") return cairn::cli::run_inspect(rest);
  if (command == "verify") return cairn::cli::run_verify(rest);
  if (command == "plugins") return cairn::cli::run_plugins(rest);
  if (command == "cp") return cairn::cli::run_cp(rest);
  if (command == "ls") return cairn::cli::run_ls(rest);
  throw cairn::ConfigError("unknown command '" + command + "'; use one of fit, inspect, verify, plugins, cp, ls (see 'cairn --help')");
}

int report(const std::string& message, int status) {
  std::cout.flush();
  std::cerr << "cairn: error: " << cairn::one_line(message) << std::endl;
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args);
  } catch (const cairn::ConfigError& e) {
    return report(e.what(), kExitUsageError);
  } catch (const cairn::Error& e) {
    return report(e.what(), kExitRuntimeError);
  } catch (const std::exception& e) {
    return report(cairn::exception_line(e), kExitRuntimeError);
  } catch (...) {
    return report("unexpected failure of an unknown kind", kExitRuntimeError);
  }
}
