#include "checkpoint/io/legacy_checkpoint.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <ATen/core/Dict.h>
#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "cairn/errors.h"
#include "checkpoint/io/read_errors.h"
#include "checkpoint/pickle/restricted_unpickler.h"
#include "core/one_line.h"

namespace cairn::checkpoint {
namespace {

// torch.serialization's MAGIC_NUMBER, 0x1950a86a20f9469cfc6c, as LONG1 stores it.
constexpr unsigned char kMagic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'};
constexpr int64_t kFormatVersion = 1001;

// Where the magic number's LONG1 starts (after PROTO and, from protocol 4, a
// FRAME), or nothing when the bytes are not the magic-number pickle.
std::optional<size_t> magic_end(const unsigned char* b, size_t n) {
  size_t at = 0;
  if (n >= 2 && b[0] == 0x80) at = 2;
  if (n >= at + 9 && b[at] == 0x95) at += 9;
  if (n < at + sizeof kMagic || std::memcmp(b + at, kMagic, sizeof kMagic) != 0) return std::nullopt;
  return at + sizeof kMagic;
}

[[noreturn]] void damaged(const std::string& name, size_t at, const std::string& what) {
  throw CheckpointError("checkpoint '" + name + "' (torch.save's legacy format) is damaged at byte " +
                        std::to_string(at) + ": " + one_line(what) + "; pick another copy or re-save it");
}

// The file, mapped read-only for the pickles; storages are read with pread.
class MappedFile {
 public:
  MappedFile(int fd, const std::string& name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) damaged(name, 0, "the file cannot be sized");
    size_ = static_cast<size_t>(st.st_size);
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      throw CheckpointError("cannot map checkpoint '" + name + "' (" + std::strerror(errno) +
                            "); check the disk and the file");
    }
    data_ = static_cast<const char*>(p);
  }
  ~MappedFile() { ::munmap(const_cast<char*>(data_), size_); }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// The header pickles hold no tensors.
c10::Storage no_storages(const std::string&, uint64_t) {
  throw std::runtime_error("a header pickle names a storage");
}

// The sizes of torch's element types; a storage's element count times one of
// them must give the bytes the pickle declared for it.
bool is_element_count_of(uint64_t count, uint64_t nbytes) {
  if (count == 0) return nbytes == 0;
  if (nbytes % count != 0) return false;
  const uint64_t width = nbytes / count;
  return width == 1 || width == 2 || width == 4 || width == 8 || width == 16;
}

}  // namespace

bool is_legacy_checkpoint(const unsigned char* head, size_t size) { return magic_end(head, size).has_value(); }

c10::IValue read_legacy_checkpoint(int fd, const std::string& name) {
  const MappedFile file(fd, name);
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  const std::optional<size_t> after_magic = magic_end(bytes, file.size());
  if (!after_magic) damaged(name, 0, "it does not start with the legacy format's magic number");

  size_t at = *after_magic;
  const c10::IValue version =
      pickle::unpickle_one_of_stream(file.data(), file.size(), at, at, no_storages, name);
  if (!version.isInt() || version.toInt() != kFormatVersion) {
    throw CheckpointError("checkpoint '" + name + "' is in torch.save's legacy format version " +
                          (version.isInt() ? std::to_string(version.toInt()) : std::string("(not a number)")) +
                          ", and Cairn reads version " + std::to_string(kFormatVersion) +
                          "; re-save it from Python with torch.save's default zip format");
  }
  const size_t sys_info_at = at;
  const c10::IValue sys_info = pickle::unpickle_one_of_stream(file.data(), file.size(), at, at, no_storages, name);
  if (!sys_info.isGenericDict()) damaged(name, sys_info_at, "its writer's description is not a dict");
  const auto little = sys_info.toGenericDict().find(std::string("little_endian"));
  if (little == sys_info.toGenericDict().end() || !little->value().isBool() || !little->value().toBool()) {
    throw CheckpointError("checkpoint '" + name + "' was written by a big-endian machine in torch.save's legacy " +
                          "format, which Cairn cannot read; re-save it there with torch.save's default zip format");
  }

  // A storage is allocated when the object's pickle first names it, and filled
  // from the data behind the pickles; together they may not claim more bytes
  // than the file has left.
  std::map<std::string, c10::Storage> storages;
  const size_t object_at = at;
  uint64_t claimed = 0;
  const pickle::StorageLookup allocate = [&](const std::string& key, uint64_t nbytes) -> c10::Storage {
    claimed += nbytes;
    if (nbytes > file.size() || claimed > file.size() - object_at) {
      throw std::runtime_error("its storages declare more bytes than the file holds");
    }
    c10::Allocator* cpu = c10::GetCPUAllocator();
    c10::Storage storage(c10::Storage::use_byte_size_t(), nbytes, cpu->allocate(nbytes), cpu, false);
    storages.emplace(key, storage);
    return storage;
  };
  c10::IValue object = pickle::unpickle_one_of_stream(file.data(), file.size(), at, at, allocate, name);

  const size_t keys_at = at;
  const c10::IValue keys = pickle::unpickle_one_of_stream(file.data(), file.size(), at, at, no_storages, name);
  if (!keys.isList()) damaged(name, keys_at, "its list of storage keys is not a list");
  std::set<std::string> filled;
  for (const c10::IValue& key : keys.toListRef()) {
    if (!key.isString()) damaged(name, keys_at, "a storage key is not a string");
    const auto storage = storages.find(key.toStringRef());
    if (storage == storages.end()) {
      damaged(name, keys_at, "storage '" + key.toStringRef() + "' is listed but no tensor uses it");
    }
    if (!filled.insert(storage->first).second) damaged(name, keys_at, "storage '" + storage->first + "' is listed twice");
    if (file.size() - at < sizeof(int64_t)) damaged(name, at, "the file ends before storage '" + storage->first + "'");
    uint64_t count = 0;
    for (size_t i = 0; i < sizeof count; ++i) count |= uint64_t(bytes[at + i]) << (8 * i);
    at += sizeof count;
    const uint64_t nbytes = storage->second.nbytes();
    if (!is_element_count_of(count, nbytes)) {
      damaged(name, at - sizeof count, "storage '" + storage->first + "' holds " + std::to_string(count) +
                                           " elements, which cannot make the " + std::to_string(nbytes) +
                                           " bytes its tensors declare");
    }
    if (file.size() - at < nbytes) damaged(name, at, "the file ends inside storage '" + storage->first + "'");
    read_fully(FileSpan{fd, 0, file.size()}, at, static_cast<char*>(storage->second.data()), nbytes, name,
               "the file ends inside storage '" + storage->first + "'");
    at += nbytes;
  }
  if (filled.size() != storages.size()) {
    damaged(name, keys_at, "its list of storage keys names " + std::to_string(filled.size()) + " of the " +
                               std::to_string(storages.size()) + " storages its tensors use");
  }
  return object;
}

}  // namespace cairn::checkpoint
