// The entries of a zip archive, read from its central directory.
//
// For telling users what a zip that fails to load as a checkpoint actually is
// (a torch.save file, a zip of something else, a cut-short file) without
// relying on the wording of the zip reader's own errors), and for checking a
// record's declared size before anything reads it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cairn::checkpoint {

struct ZipEntry {
  std::string name;
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed
  uint16_t method = 0;  // 0: stored, 8: deflated
};

// Every entry of the central directory (sizes from zip64 extras where set),
// or nothing when the directory cannot be found or is cut short.
std::optional<std::vector<ZipEntry>> zip_entries(int fd);

// The names in central-directory order, or nothing when the directory cannot
// be found or is cut short (a truncated or damaged file). Handles zip64.
std::optional<std::vector<std::string>> zip_entry_names(int fd);

}  // namespace cairn::checkpoint
