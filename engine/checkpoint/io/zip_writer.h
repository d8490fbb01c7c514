// A streaming writer of "stored" (uncompressed) zip archives in PyTorch's layout.
//
// We write the zip ourselves instead of using caffe2's PyTorchStreamWriter
// because the latter computes CRC32 byte by byte inside miniz and copies data
// through its own buffers, which caps torch.save at ~0.3 GiB/s. Here the
// caller supplies each record's CRC (computed elsewhere, in parallel) and the
// record's bytes go to the sink untouched.
//
// Layout, as PyTorch writes and reads it: each record's data starts on a
// 64-byte boundary, padded with an extra field "FB" in the local header; ZIP64
// extra fields appear whenever a size or offset needs 64 bits; the central
// directory and (ZIP64) end records follow the last record.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_sink.h"

namespace cairn::checkpoint {

struct ZipWriterOptions {
  // Test-only: give every record, and the end of the archive, ZIP64 fields as
  // if the file were larger than 4 GiB, so that path can be checked against
  // readers without writing gigabytes.
  bool force_zip64 = false;
};

// Records' data are aligned to this many bytes (caffe2::serialize::kFieldAlignment).
inline constexpr uint64_t kZipRecordAlignment = 64;

class ZipStreamWriter {
 public:
  explicit ZipStreamWriter(ByteSink& out, ZipWriterOptions options = {});

  // Writes one stored record: its local header, then `size` bytes from `data`.
  // `crc32` must be the zlib CRC-32 of those bytes.
  void add_record(const std::string& name, const char* data, uint64_t size, uint32_t crc32);
  // Writes the central directory and end-of-archive records; returns the
  // archive's total size in bytes. No record may be added afterwards.
  uint64_t finish();

  uint64_t bytes_written() const { return offset_; }

 private:
  struct Entry {
    std::string name;
    uint64_t size;
    uint32_t crc32;
    uint64_t header_offset;
  };
  void emit(const std::string& bytes);

  ByteSink& out_;
  ZipWriterOptions options_;
  std::vector<Entry> entries_;
  uint64_t offset_ = 0;
  bool finished_ = false;
};

}  // namespace cairn::checkpoint
