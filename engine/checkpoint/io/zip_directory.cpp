#include "checkpoint/io/zip_directory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace cairn::checkpoint {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
// The end record (22 bytes) may be followed by a comment of up to 65535 bytes.
constexpr size_t kTailSearch = 22 + 65535;
// Bounds what a damaged directory can make us allocate.
constexpr uint64_t kMaxDirectoryBytes = uint64_t{1} << 30;

uint16_t u16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const unsigned char* p) { return u16(p) | (static_cast<uint32_t>(u16(p + 2)) << 16); }
uint64_t u64(const unsigned char* p) { return u32(p) | (static_cast<uint64_t>(u32(p + 4)) << 32); }

bool read_at(int fd, uint64_t pos, void* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(pos + done));
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

std::optional<Directory> find_directory(int fd, uint64_t file_size) {
  const uint64_t tail_size = std::min<uint64_t>(file_size, kTailSearch);
  const uint64_t tail_start = file_size - tail_size;
  std::vector<unsigned char> tail(tail_size);
  if (tail_size < 22 || !read_at(fd, tail_start, tail.data(), tail.size())) return std::nullopt;
  for (size_t at = tail_size - 22 + 1; at-- > 0;) {
    if (u32(&tail[at]) != kEndOfDirectory) continue;
    Directory d{u32(&tail[at + 16]), u32(&tail[at + 12]), u16(&tail[at + 10])};
    const bool zip64 = d.offset == 0xffffffffu || d.size == 0xffffffffu || d.entries == 0xffffu;
    if (zip64) {
      const uint64_t locator = tail_start + at;
      unsigned char loc[20];
      if (locator < 20 || !read_at(fd, locator - 20, loc, sizeof loc) || u32(loc) != kZip64Locator) return std::nullopt;
      unsigned char end[56];
      if (!read_at(fd, u64(loc + 8), end, sizeof end) || u32(end) != kZip64End) return std::nullopt;
      d = Directory{u64(end + 48), u64(end + 40), u64(end + 32)};
    }
    if (d.size > kMaxDirectoryBytes || d.offset + d.size > file_size) return std::nullopt;
    return d;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<ZipEntry>> zip_entries(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::nullopt;
  const std::optional<Directory> d = find_directory(fd, static_cast<uint64_t>(st.st_size));
  if (!d) return std::nullopt;
  std::vector<unsigned char> bytes(d->size);
  if (!read_at(fd, d->offset, bytes.data(), bytes.size())) return std::nullopt;
  std::vector<ZipEntry> entries;
  size_t at = 0;
  for (uint64_t i = 0; i < d->entries; ++i) {
    if (at + 46 > bytes.size() || u32(&bytes[at]) != kDirectoryEntry) return std::nullopt;
    const size_t name_size = u16(&bytes[at + 28]);
    const size_t extra_size = u16(&bytes[at + 30]);
    const size_t comment_size = u16(&bytes[at + 32]);
    if (at + 46 + name_size + extra_size > bytes.size()) return std::nullopt;
    ZipEntry e;
    e.name.assign(reinterpret_cast<const char*>(&bytes[at + 46]), name_size);
    e.method = u16(&bytes[at + 10]);
    e.compressed_size = u32(&bytes[at + 20]);
    e.size = u32(&bytes[at + 24]);
    // Zip64: the 0xffffffff sizes are in extra field 0x0001, uncompressed first.
    const unsigned char* extra = &bytes[at + 46 + name_size];
    for (size_t x = 0; x + 4 <= extra_size;) {
      const uint16_t id = u16(extra + x);
      const uint16_t len = u16(extra + x + 2);
      if (x + 4 + len > extra_size) break;
      if (id == 0x0001) {
        size_t f = x + 4;
        if (e.size == 0xffffffffu && f + 8 <= x + 4 + len) e.size = u64(extra + f), f += 8;
        if (e.compressed_size == 0xffffffffu && f + 8 <= x + 4 + len) e.compressed_size = u64(extra + f);
      }
      x += 4 + len;
    }
    entries.push_back(std::move(e));
    at += 46 + name_size + extra_size + comment_size;
  }
  return entries;
}

std::optional<std::vector<std::string>> zip_entry_names(int fd) {
  const std::optional<std::vector<ZipEntry>> entries = zip_entries(fd);
  if (!entries) return std::nullopt;
  std::vector<std::string> names;
  for (const ZipEntry& e : *entries) names.push_back(e.name);
  return names;
}

}  // namespace cairn::checkpoint
