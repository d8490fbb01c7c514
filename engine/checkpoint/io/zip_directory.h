// The records of a zip archive, read from its central directory.
//
// For checking every record's CRC-32 (caffe2's reader does not) and for telling
// users what a zip that fails to load as a checkpoint actually is (a torch.save
// file, a zip of something else, a cut-short file) without relying on the
// wording of the zip reader's own errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/io/file_span.h"

namespace cairn::checkpoint {

struct ZipRecord {
  std::string name;
  uint16_t method = 0;  // 0 = stored, 8 = deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed
  uint64_t header_offset = 0;
};

// Offsets are counted from the start of `zip`, which holds the whole archive.

// The records in central-directory order, or nothing when the directory cannot
// be found or is cut short (a truncated or damaged file). Handles zip64.
std::optional<std::vector<ZipRecord>> zip_records(const FileSpan& zip);

// Just their names.
std::optional<std::vector<std::string>> zip_entry_names(const FileSpan& zip);

// Where `record`'s data starts (after its local header), or nothing when the
// local header is missing or points past the end of the archive.
std::optional<uint64_t> zip_data_offset(const FileSpan& zip, const ZipRecord& record);

}  // namespace cairn::checkpoint
