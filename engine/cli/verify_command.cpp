// `cairn verify PATH|URI [--trusted-key FILE]`: checks a checkpoint's bytes
// (CRC-32 of every record, the SHA-256 manifest, the signature) without
// loading it (a sharded folder: sharded_folder.h); exit 0 when it passes, one error line naming the record if not.
#include <iostream>
#include <sstream>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "app/engine_host.h"
#include "cairn/errors.h"
#include "checkpoint/fetch/checkpoint_source.h"
#include "checkpoint/io/checkpoint_keys.h"
#include "checkpoint/io/checkpoint_verify.h"
#include "checkpoint/sharded/sharded_reader.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/sharded_folder.h"
#include "cli/store_location.h"

namespace po = boost::program_options;

namespace cairn::cli {
namespace {

std::string size_text(uint64_t bytes) {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed;
  if (bytes >= (uint64_t{1} << 30)) out << static_cast<double>(bytes) / (1 << 30) << " GiB";
  else if (bytes >= (uint64_t{1} << 20)) out << static_cast<double>(bytes) / (1 << 20) << " MiB";
  else out << bytes << " bytes";
  return out.str();
}

void print_report(const std::string& name, const checkpoint::VerifyReport& report) {
  const checkpoint::IntegritySummary& s = report.summary;
  std::cout << "checkpoint '" << name << "' verified (" << report.container << ")\n"
            << "  records:   " << s.records << " (" << size_text(s.bytes) << "), the CRC-32 of every one matches\n"
            << "  manifest:  "
            << (s.manifest ? "the SHA-256 of every record matches"
                           : "none (not written by Cairn, e.g. by torch.save): CRC-32 only")
            << "\n  signature: ";
  if (s.signature_checked) std::cout << "valid, by the trusted " << s.signer << "\n";
  else if (s.signature_present)
    std::cout << "present, not checked: no trusted key (--trusted-key FILE or " << checkpoint::kTrustedKeyVariable
              << ")\n";
  else std::cout << "none\n";
}

}  // namespace

int run_verify(const std::vector<std::string>& args) {
  po::options_description desc("cairn verify options");
  desc.add_options()("help,h", "show this help")(
      "trusted-key", po::value<std::string>()->value_name("FILE"),
      "PEM public key that must have signed the checkpoint (default: $CAIRN_TRUSTED_KEY)")(
      "store-config", po::value<std::string>()->default_value("{}")->value_name("JSON"),
      "the store's settings when PATH is a URI (as for cairn cp)")(
      "plugin-dir", po::value<std::vector<std::string>>()->value_name("DIR"),
      "also look for store plugins here (repeatable)");
  const po::variables_map vm = parse_command_line("verify", args, desc, {"path"});
  if (vm.count("help")) {
    std::cout << "usage: cairn verify PATH [--trusted-key FILE]\n\n"
              << "Checks a checkpoint without loading it: the CRC-32 of every record, the SHA-256 manifest that\n"
              << "Cairn writes into its checkpoints, and, with a trusted key, that the checkpoint is signed by\n"
              << "it. Exits 0 when everything matches; otherwise prints one line naming the file and the\n"
              << "record. PATH is a local file or a store URI, which is downloaded to a temporary file first.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("path")) throw ConfigError("no checkpoint given: usage: cairn verify PATH [--trusted-key FILE]");

  const std::string path = vm["path"].as<std::string>();
  const checkpoint::IntegrityPolicy policy{checkpoint::trusted_key(
      vm.count("trusted-key") ? std::optional<std::string>(vm["trusted-key"].as<std::string>()) : std::nullopt)};
  const nlohmann::json store_config = parse_store_config(vm["store-config"].as<std::string>());
  EngineHost host;
  host.load_all(vm.count("plugin-dir") ? vm["plugin-dir"].as<std::vector<std::string>>() : std::vector<std::string>{});
  const StoreLocation location = resolve_location(path, store_config, host);
  if (location.is_local() && checkpoint::sharded::is_sharded_checkpoint(path)) {
    if (policy.trusted_key)
      throw CheckpointError("sharded checkpoint '" + path + "' is not signed (sharded folders carry a SHA-256 " +
                            "manifest, no signature); verify it without --trusted-key or CAIRN_TRUSTED_KEY");
    verify_sharded_folder(path);
  } else if (location.is_local()) {
    print_report(path, checkpoint::verify_checkpoint(path, path, policy));
  } else {
    const auto fetched = fetch_checkpoint(location.object_name, location.store, &host);
    print_report(fetched->description(),
                 checkpoint::verify_checkpoint(fetched->local_path(), fetched->description(), policy));
  }
  return 0;
}

}  // namespace cairn::cli
