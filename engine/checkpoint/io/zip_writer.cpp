#include "checkpoint/io/zip_writer.h"

#include <stdexcept>

namespace cairn::checkpoint {
namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndOfCentralDirSignature = 0x06054b50;
constexpr uint32_t kZip64EndOfCentralDirSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kVersionPlain = 20;  // 2.0: stored entries, folders
constexpr uint16_t kVersionZip64 = 45;  // 4.5: ZIP64
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, fixed: output is reproducible
constexpr uint64_t kMax32 = 0xFFFFFFFFu;
constexpr uint64_t kMax16 = 0xFFFFu;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kPaddingFieldHeaderSize = 4;

// Little-endian field appender.
struct Bytes {
  std::string s;
  Bytes& u16(uint64_t v) {
    for (int i = 0; i < 2; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  Bytes& u32(uint64_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  Bytes& u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  Bytes& raw(const std::string& v) {
    s += v;
    return *this;
  }
};

// The ZIP64 extra field holding the given 64-bit values, in the order the
// specification fixes (uncompressed size, compressed size, header offset).
std::string zip64_extra(const std::vector<uint64_t>& values) {
  Bytes b;
  b.u16(kZip64ExtraId).u16(8 * values.size());
  for (uint64_t v : values) b.u64(v);
  return b.s;
}

}  // namespace

ZipStreamWriter::ZipStreamWriter(ByteSink& out, ZipWriterOptions options) : out_(out), options_(options) {}

void ZipStreamWriter::emit(const std::string& bytes) {
  out_.write(bytes.data(), bytes.size());
  offset_ += bytes.size();
}

void ZipStreamWriter::add_record(const std::string& name, const char* data, uint64_t size, uint32_t crc32) {
  if (finished_) throw std::logic_error("ZipStreamWriter::add_record after finish");
  const uint64_t header_offset = offset_;
  // Only sizes live in a local header; its own offset is in the central directory.
  const bool zip64 = options_.force_zip64 || size >= kMax32;
  std::string extra = zip64 ? zip64_extra({size, size}) : std::string();

  // Pad with PyTorch's "FB" field so the data lands on a 64-byte boundary.
  const uint64_t unpadded = header_offset + kLocalHeaderSize + name.size() + extra.size() + kPaddingFieldHeaderSize;
  const uint64_t padding = (kZipRecordAlignment - unpadded % kZipRecordAlignment) % kZipRecordAlignment;
  Bytes pad;
  pad.raw("FB").u16(padding).raw(std::string(padding, 'Z'));
  extra += pad.s;

  Bytes header;
  header.u32(kLocalHeaderSignature)
      .u16(zip64 ? kVersionZip64 : kVersionPlain)
      .u16(0)  // flags: sizes and CRC are in this header, no data descriptor
      .u16(0)  // method: stored
      .u16(0)  // time
      .u16(kDosDate1980)
      .u32(crc32)
      .u32(zip64 ? kMax32 : size)
      .u32(zip64 ? kMax32 : size)
      .u16(name.size())
      .u16(extra.size())
      .raw(name)
      .raw(extra);
  emit(header.s);
  if (size > 0) out_.write(data, size);
  offset_ += size;
  entries_.push_back(Entry{name, size, crc32, header_offset});
}

uint64_t ZipStreamWriter::finish() {
  if (finished_) return offset_;
  finished_ = true;
  const bool force = options_.force_zip64;
  const uint64_t directory_offset = offset_;
  bool any_zip64 = force;
  for (const Entry& e : entries_) {
    const bool big_size = force || e.size >= kMax32;
    const bool big_offset = force || e.header_offset >= kMax32;
    std::vector<uint64_t> wide;
    if (big_size) wide = {e.size, e.size};
    if (big_offset) wide.push_back(e.header_offset);
    const std::string extra = wide.empty() ? std::string() : zip64_extra(wide);
    any_zip64 = any_zip64 || !wide.empty();
    Bytes h;
    h.u32(kCentralHeaderSignature)
        .u16(kVersionZip64)  // made by
        .u16(wide.empty() ? kVersionPlain : kVersionZip64)
        .u16(0)
        .u16(0)
        .u16(0)
        .u16(kDosDate1980)
        .u32(e.crc32)
        .u32(big_size ? kMax32 : e.size)
        .u32(big_size ? kMax32 : e.size)
        .u16(e.name.size())
        .u16(extra.size())
        .u16(0)  // comment length
        .u16(0)  // disk number
        .u16(0)  // internal attributes
        .u32(0)  // external attributes
        .u32(big_offset ? kMax32 : e.header_offset)
        .raw(e.name)
        .raw(extra);
    emit(h.s);
  }
  const uint64_t directory_size = offset_ - directory_offset;
  const uint64_t count = entries_.size();
  const bool zip64_end = any_zip64 || count >= kMax16 || directory_offset >= kMax32 || directory_size >= kMax32;
  if (zip64_end) {
    const uint64_t record_offset = offset_;
    Bytes r;
    r.u32(kZip64EndOfCentralDirSignature)
        .u64(44)  // size of the rest of this record
        .u16(kVersionZip64)
        .u16(kVersionZip64)
        .u32(0)
        .u32(0)
        .u64(count)
        .u64(count)
        .u64(directory_size)
        .u64(directory_offset);
    r.u32(kZip64LocatorSignature).u32(0).u64(record_offset).u32(1);
    emit(r.s);
  }
  Bytes end;
  end.u32(kEndOfCentralDirSignature)
      .u16(0)
      .u16(0)
      .u16(force || count >= kMax16 ? kMax16 : count)
      .u16(force || count >= kMax16 ? kMax16 : count)
      .u32(force || directory_size >= kMax32 ? kMax32 : directory_size)
      .u32(force || directory_offset >= kMax32 ? kMax32 : directory_offset)
      .u16(0);
  emit(end.s);
  return offset_;
}

}  // namespace cairn::checkpoint
