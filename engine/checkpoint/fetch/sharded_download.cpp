#include "checkpoint/fetch/sharded_download.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "cairn/errors.h"
#include "checkpoint/sharded/sharded_metadata.h"

namespace cairn {
namespace fs = std::filesystem;

namespace {

// Every data file the metadata names: the manifest's, or, for folders Python
// wrote (no manifest), the files its chunks are in.
std::set<std::string> data_files(const checkpoint::sharded::ShardedMetadata& metadata) {
  std::set<std::string> files;
  for (const auto& [file, digest] : metadata.manifest) files.insert(file);
  for (const auto& item : metadata.items) {
    for (const auto& chunk : item.chunks) files.insert(chunk.file);
  }
  return files;
}

}  // namespace

std::string sharded_metadata_object(const std::string& prefix) {
  return prefix + "/" + checkpoint::sharded::kMetadataFile;
}

bool is_remote_sharded_folder(ObjectStore& store, const std::string& prefix) {
  try {
    store.get_object_size(sharded_metadata_object(prefix));
    return true;
  } catch (const NotFoundError&) {
    return false;
  }
}

void download_sharded_folder(ObjectStore& store, const std::string& prefix, const std::string& destination,
                             const ProgressFn& progress) {
  std::error_code ec;
  fs::create_directories(destination, ec);
  if (ec) {
    throw CheckpointError("cannot create the folder '" + destination + "' for the sharded checkpoint '" +
                          store.get_uri(prefix) + "' (" + ec.message() + "); check TMPDIR or the save_folder");
  }
  // Under another name until the data files are in, as the saver publishes it.
  const fs::path metadata_path = fs::path(destination) / checkpoint::sharded::kMetadataFile;
  const fs::path pending = fs::path(destination) / ".metadata.download";
  store.download_object(sharded_metadata_object(prefix), pending.string(), /*overwrite=*/true);
  std::ifstream in(pending, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto files = data_files(checkpoint::sharded::parse_metadata(bytes, store.get_uri(prefix)));

  uint64_t total = 0;
  if (progress) {
    for (const std::string& file : files) total += store.get_object_size(prefix + "/" + file);
  }
  uint64_t before = 0;
  for (const std::string& file : files) {
    // The metadata names files inside the folder; anything else is refused
    // rather than written outside `destination`.
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
      throw CheckpointError("sharded checkpoint '" + store.get_uri(prefix) + "' names the data file '" + file +
                            "', which is not a file name inside its folder; the .metadata is damaged");
    }
    ProgressFn each;
    if (progress) each = [&](uint64_t done, uint64_t) { progress(before + done, total); };
    store.download_object(prefix + "/" + file, (fs::path(destination) / file).string(), /*overwrite=*/true, each);
    if (progress) before += fs::file_size(fs::path(destination) / file, ec);
  }
  fs::rename(pending, metadata_path, ec);
  if (ec) {
    throw CheckpointError("cannot put the downloaded '.metadata' of '" + store.get_uri(prefix) + "' in place in '" +
                          destination + "' (" + ec.message() + ")");
  }
  if (progress) progress(total, total);
}

}  // namespace cairn
