// `cairn cp SRC DST`: copies one file between local paths and object stores.
//
// Either side is a local path or a store URI. A destination that is a local
// folder, or a URI ending in '/', receives the source's file name. Nothing is
// replaced without --overwrite. Transient store errors are retried with
// backoff (3 attempts, as the upload pipeline); the store's own transfer
// settings (part sizes, concurrency) come from --store-config.
//
// A downloaded checkpoint (a PyTorch zip) is verified before it is placed: the
// CRC-32 of every record and, in Cairn's checkpoints, the SHA-256 manifest. A
// damaged transfer is refused and leaves the destination as it was.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_verify.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/store_location.h"
#include "cli/transfer_progress.h"
#include "core/atomic_file.h"
#include "core/local_path_problem.h"
#include "core/temp_folder.h"
#include "plugin_host/plugin_host.h"
#include "remote/retry.h"
#include "store/local_store.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace cairn::cli {
namespace {

const char kUsage[] =
    "usage: cairn cp SRC DST [--store-config JSON] [--overwrite] [--no-verify] [--plugin-dir DIR]...";

// Removes a temporary folder whatever happens.
struct FolderCleanup {
  std::string folder;
  ~FolderCleanup() {
    std::error_code ec;
    fs::remove_all(folder, ec);
  }
};

std::string base_name(const StoreLocation& source) {
  const std::string path = source.is_local() ? source.local_path : source.object_name;
  return fs::path(path).filename().string();
}

// A folder (existing, or written with a trailing '/') takes the source's name.
void complete_destination(StoreLocation& destination, const StoreLocation& source) {
  if (destination.is_local()) {
    std::error_code ec;
    const bool folder = fs::is_directory(destination.local_path, ec) || destination.local_path.back() == '/';
    if (folder) destination.local_path = (fs::path(destination.local_path) / base_name(source)).string();
  } else if (destination.object_name.empty() || destination.object_name.back() == '/') {
    destination.object_name += base_name(source);
    destination.text += (destination.text.back() == '/' ? "" : "/") + base_name(source);
  }
}

// NotFoundError naming a local source that is missing or not a file. A remote
// source is not asked about first: its download says so, and asking would cost
// each copy one more request.
void check_local_source(const StoreLocation& source) {
  if (const std::optional<std::string> problem = local_file_problem(source.local_path)) {
    throw NotFoundError("source '" + source.text + "' " + *problem);
  }
}

bool destination_exists(const StoreLocation& destination, const RetryPolicy& retry) {
  if (destination.is_local()) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(destination.local_path, ec));
  }
  bool exists = true;
  run_with_retries(retry, [&](int) {
    try {
      destination.store->get_object_size(destination.object_name);
    } catch (const NotFoundError&) {
      exists = false;
    }
  });
  return exists;
}

// Local to local goes through the local store, so it is atomic too.
void upload(const StoreLocation& destination, const std::string& file, const ProgressFn& progress,
            const RetryPolicy& retry) {
  if (destination.is_local()) {
    const fs::path target = fs::absolute(destination.local_path);
    LocalStore store(target.parent_path().string());
    run_with_retries(retry, [&](int) { store.upload_object(target.filename().string(), file, progress); });
  } else {
    run_with_retries(retry, [&](int) { destination.store->upload_object(destination.object_name, file, progress); });
  }
}

struct Copied {
  uint64_t bytes = 0;
  bool verified = false;
};

struct Download {
  std::string file;
  Copied copied;
};

// Downloads `source` to "object" in `folder` (a fresh temporary folder), naming
// the source when the store has no such object. With `verify`, a PyTorch zip
// checkpoint must pass its checks before it is used: every record's CRC-32 and
// Cairn's manifest (the zip directory is read once). Signatures are the
// loader's business (a trusted key at load time), so none is required here.
// Any other file is copied unverified.
Download download_to_temporary(const StoreLocation& source, const std::string& folder, bool verify,
                               const ProgressFn& progress, const RetryPolicy& retry) {
  const std::string file = (fs::path(folder) / "object").string();
  try {
    run_with_retries(retry, [&](int) { source.store->download_object(source.object_name, file, true, progress); });
  } catch (const NotFoundError&) {
    throw NotFoundError("source '" + source.text + "' does not exist");
  }
  const uint64_t bytes = fs::file_size(file);
  const bool verified =
      verify && checkpoint::verify_if_checkpoint(file, source.text, checkpoint::IntegrityPolicy{}).has_value();
  return {file, {bytes, verified}};
}

Copied download_into_place(const StoreLocation& source, const StoreLocation& destination, bool overwrite,
                           bool verify, const ProgressFn& progress, const RetryPolicy& retry) {
  const fs::path target = fs::absolute(destination.local_path);
  // Beside the target, so that the finished download is renamed into place on
  // the same filesystem.
  const FolderCleanup cleanup{make_temp_folder(".cairn-cp-", "for the download to '" + destination.text + "'",
                                               target.parent_path().string())};
  const Download download = download_to_temporary(source, cleanup.folder, verify, progress, retry);
  if (const int err = rename_into_place(download.file, target.string(), overwrite)) {
    if (err == EEXIST) {
      throw AlreadyExistsError("destination '" + destination.text + "' already exists; pass --overwrite to replace it");
    }
    throw Error("cannot place the download at '" + destination.text + "' (" + std::strerror(err) +
                "); check the folder's permissions");
  }
  return download.copied;
}

Copied copy(const StoreLocation& source, const StoreLocation& destination, bool overwrite, bool verify,
            const ProgressFn& progress, const RetryPolicy& retry) {
  if (source.is_local()) {
    upload(destination, source.local_path, progress, retry);
    return {fs::file_size(source.local_path), false};
  }
  if (destination.is_local()) return download_into_place(source, destination, overwrite, verify, progress, retry);
  // Store to store: through a temporary file, checked before it is uploaded.
  const FolderCleanup cleanup{make_temp_folder("cairn-cp-", "for copying between stores")};
  const Download download = download_to_temporary(source, cleanup.folder, verify, progress, retry);
  upload(destination, download.file, progress, retry);
  return download.copied;
}

}  // namespace

int run_cp(const std::vector<std::string>& args) {
  po::options_description desc("cairn cp options");
  desc.add_options()("help,h", "show this help")(
      "store-config", po::value<std::string>()->default_value("{}")->value_name("JSON"),
      "the store's JSON config (credentials, endpoint, transfer settings); used for every URI side")(
      "overwrite", po::bool_switch(), "replace an existing destination")(
      "no-verify", po::bool_switch(),
      "place a downloaded checkpoint without checking its records' CRC-32 and Cairn's SHA-256 manifest first")(
      "plugin-dir", po::value<std::vector<std::string>>()->composing()->value_name("DIR"), "also load plugins from DIR (repeatable)");
  const po::variables_map vm = parse_command_line("cp", args, desc, {"src", "dst"});
  if (vm.count("help")) {
    std::cout << kUsage << "\n\nCopies one file between local paths and object stores (s3://bucket/key, "
              << "file:///abs/path, ...).\nA destination folder or a URI ending in '/' keeps the source's name.\n"
              << "A downloaded checkpoint is verified (CRC-32 of every record, Cairn's SHA-256 manifest) before it\n"
              << "is placed; a damaged one is refused and the destination stays as it was.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("src") || !vm.count("dst")) throw ConfigError(std::string("cp needs a source and a destination: ") + kUsage);

  if (vm["src"].as<std::string>().empty() || vm["dst"].as<std::string>().empty()) {
    throw ConfigError("cp needs a non-empty source and destination");
  }
  const nlohmann::json config = parse_store_config(vm["store-config"].as<std::string>());
  const auto host = load_plugins(vm.count("plugin-dir") ? vm["plugin-dir"].as<std::vector<std::string>>()
                                                        : std::vector<std::string>{});
  const StoreLocation source = resolve_location(vm["src"].as<std::string>(), config, *host);
  StoreLocation destination = resolve_location(vm["dst"].as<std::string>(), config, *host);
  complete_destination(destination, source);
  const bool overwrite = vm["overwrite"].as<bool>();
  const RetryPolicy retry;

  if (source.is_local()) check_local_source(source);
  if (!overwrite && destination_exists(destination, retry)) {
    throw AlreadyExistsError("destination '" + destination.text + "' already exists; pass --overwrite to replace it");
  }
  const Copied copied = copy(source, destination, overwrite, !vm["no-verify"].as<bool>(),
                             transfer_progress_on_terminal("copying " + source.text), retry);
  std::cout << "copied " << source.text << " -> " << destination.text << " (" << copied.bytes << " bytes"
            << (copied.verified ? ", checkpoint verified" : "") << ")\n";
  return 0;
}

}  // namespace cairn::cli
