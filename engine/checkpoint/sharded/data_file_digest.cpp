#include "checkpoint/sharded/data_file_digest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "core/parallel_for.h"

namespace cairn::checkpoint::sharded {

std::string file_sha256(const std::string& path, const std::string& name) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CheckpointError("cannot open '" + name + "' (" + std::strerror(errno) + "); check that it exists and is readable");
  struct stat st {};
  std::string hex;
  try {
    if (::fstat(fd, &st) != 0) throw CheckpointError("cannot stat '" + name + "' (" + std::strerror(errno) + ")");
    hex = http::sha256_hex_of_file_range(fd, 0, uint64_t(st.st_size));
  } catch (const CheckpointError&) {
    ::close(fd);
    throw;
  } catch (const std::exception& e) {
    ::close(fd);
    throw CheckpointError("cannot read '" + name + "' (" + e.what() + "); check the disk and the file");
  }
  ::close(fd);
  return hex;
}

void verify_data_files(const ShardedMetadata& metadata, const std::string& folder, size_t share, size_t shares) {
  if (metadata.manifest.empty()) return;
  std::set<std::string> named;
  for (const StoredItem& item : metadata.items)
    for (const StoredChunk& c : item.chunks) named.insert(c.file);
  for (const std::string& file : named) {
    if (!metadata.manifest.count(file))
      throw CheckpointError("sharded checkpoint '" + folder + "': file '" + file +
                            "' is not in the .metadata's manifest; the folder was altered, pick another checkpoint");
  }
  std::vector<std::pair<std::string, std::string>> files;
  size_t index = 0;
  for (const auto& [file, expected] : metadata.manifest) {
    if (::access((folder + "/" + file).c_str(), F_OK) != 0)
      throw CheckpointError("sharded checkpoint '" + folder + "': file '" + file +
                            "' is missing; copy the whole folder or pick another checkpoint");
    if (index++ % shares == share) files.emplace_back(file, expected);
  }
  // Hashing is the whole cost: the files (one per saving rank) are hashed on
  // as many cores as there are.
  std::vector<std::string> actual(files.size());
  parallel_for(files.size(), std::max(1u, std::thread::hardware_concurrency()), [&](size_t i) {
    const std::string path = folder + "/" + files[i].first;
    actual[i] = file_sha256(path, path);
  });
  for (size_t i = 0; i < files.size(); ++i) {
    if (actual[i] != files[i].second)
      throw CheckpointError("sharded checkpoint '" + folder + "': file '" + files[i].first +
                            "' does not match its SHA-256 in the manifest (damaged or altered); pick another checkpoint");
  }
}

}  // namespace cairn::checkpoint::sharded
