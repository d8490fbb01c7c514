#include "checkpoint/io/zip_directory.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace cairn::checkpoint {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
// The end record (22 bytes) may be followed by a comment of up to 65535 bytes.
constexpr size_t kTailSearch = 22 + 65535;
// Bounds what a damaged directory can make us allocate.
constexpr uint64_t kMaxDirectoryBytes = uint64_t{1} << 30;

uint16_t u16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const unsigned char* p) { return u16(p) | (static_cast<uint32_t>(u16(p + 2)) << 16); }
uint64_t u64(const unsigned char* p) { return u32(p) | (static_cast<uint64_t>(u32(p + 4)) << 32); }

bool read_at(const FileSpan& zip, uint64_t pos, void* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = zip.pread(static_cast<char*>(buf) + done, n - done, pos + done);
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

struct Directory {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t entries = 0;
};

std::optional<Directory> find_directory(const FileSpan& zip) {
  const uint64_t file_size = zip.size;
  const uint64_t tail_size = std::min<uint64_t>(file_size, kTailSearch);
  const uint64_t tail_start = file_size - tail_size;
  std::vector<unsigned char> tail(tail_size);
  if (tail_size < 22 || !read_at(zip, tail_start, tail.data(), tail.size())) return std::nullopt;
  for (size_t at = tail_size - 22 + 1; at-- > 0;) {
    if (u32(&tail[at]) != kEndOfDirectory) continue;
    Directory d{u32(&tail[at + 16]), u32(&tail[at + 12]), u16(&tail[at + 10])};
    const bool zip64 = d.offset == 0xffffffffu || d.size == 0xffffffffu || d.entries == 0xffffu;
    if (zip64) {
      const uint64_t locator = tail_start + at;
      unsigned char loc[20];
      if (locator < 20 || !read_at(zip, locator - 20, loc, sizeof loc) || u32(loc) != kZip64Locator) return std::nullopt;
      unsigned char end[56];
      if (!read_at(zip, u64(loc + 8), end, sizeof end) || u32(end) != kZip64End) return std::nullopt;
      d = Directory{u64(end + 48), u64(end + 40), u64(end + 32)};
    }
    if (d.size > kMaxDirectoryBytes || d.offset + d.size > file_size) return std::nullopt;
    return d;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<ZipRecord>> zip_records(const FileSpan& zip) {
  const uint64_t file_size = zip.size;
  const std::optional<Directory> d = find_directory(zip);
  if (!d) return std::nullopt;
  std::vector<unsigned char> bytes(d->size);
  if (!read_at(zip, d->offset, bytes.data(), bytes.size())) return std::nullopt;
  std::vector<ZipRecord> records;
  size_t at = 0;
  for (uint64_t i = 0; i < d->entries; ++i) {
    if (at + 46 > bytes.size() || u32(&bytes[at]) != kDirectoryEntry) return std::nullopt;
    const unsigned char* h = &bytes[at];
    const size_t name_size = u16(h + 28);
    const size_t extra_size = u16(h + 30);
    const size_t comment_size = u16(h + 32);
    if (at + 46 + name_size + extra_size > bytes.size()) return std::nullopt;
    ZipRecord r;
    r.name.assign(reinterpret_cast<const char*>(h + 46), name_size);
    r.method = u16(h + 10);
    r.crc32 = u32(h + 16);
    r.compressed_size = u32(h + 20);
    r.size = u32(h + 24);
    r.header_offset = u32(h + 42);
    // ZIP64 extra field: the 64-bit values, in this order, of those that are 0xffffffff.
    for (size_t e = at + 46 + name_size; e + 4 <= at + 46 + name_size + extra_size;) {
      const uint16_t id = u16(&bytes[e]);
      const size_t length = u16(&bytes[e + 2]);
      if (e + 4 + length > at + 46 + name_size + extra_size) return std::nullopt;
      if (id == kZip64ExtraId) {
        size_t v = e + 4;
        for (uint64_t* field : {&r.size, &r.compressed_size, &r.header_offset}) {
          if (*field != 0xffffffffu) continue;
          if (v + 8 > e + 4 + length) return std::nullopt;
          *field = u64(&bytes[v]);
          v += 8;
        }
      }
      e += 4 + length;
    }
    if (r.header_offset >= file_size || r.compressed_size > file_size) return std::nullopt;
    records.push_back(std::move(r));
    at += 46 + name_size + extra_size + comment_size;
  }
  return records;
}

std::optional<std::vector<std::string>> zip_entry_names(const FileSpan& zip) {
  const std::optional<std::vector<ZipRecord>> records = zip_records(zip);
  if (!records) return std::nullopt;
  std::vector<std::string> names;
  for (const ZipRecord& r : *records) names.push_back(r.name);
  return names;
}

std::optional<uint64_t> zip_data_offset(const FileSpan& zip, const ZipRecord& record) {
  unsigned char h[30];
  if (!read_at(zip, record.header_offset, h, sizeof h) || u32(h) != kLocalHeader) return std::nullopt;
  const uint64_t data = record.header_offset + 30 + u16(h + 26) + u16(h + 28);
  if (data + record.compressed_size > zip.size) return std::nullopt;
  return data;
}

}  // namespace cairn::checkpoint
