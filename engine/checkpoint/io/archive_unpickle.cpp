#include "checkpoint/io/archive_unpickle.h"

#include <c10/core/CPUAllocator.h>
#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "cairn/errors.h"
#include "checkpoint/io/read_errors.h"
#include "checkpoint/io/zip_directory.h"
#include "checkpoint/pickle/restricted_unpickler.h"
#include "core/parallel_for.h"

namespace cairn::checkpoint {
namespace {

// Deflate expands at most ~1032:1; a record declaring more than that over the
// file's size is damaged or hostile, and is refused before anything allocates it.
constexpr uint64_t kMaxExpansion = 1032;
constexpr unsigned kReadThreads = 2;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The directory by record name, without the archive's root folder ("archive/"),
// as the stream reader names records.
std::map<std::string, ZipRecord> records_by_name(const FileSpan& zip, const std::string& path) {
  const std::optional<std::vector<ZipRecord>> entries = zip_records(zip);
  if (!entries) not_a_checkpoint(path, "its zip directory is missing or cut short");
  std::string root;
  for (const ZipRecord& e : *entries) {
    if (ends_with(e.name, "/data.pkl") && std::count(e.name.begin(), e.name.end(), '/') == 1) {
      root = e.name.substr(0, e.name.size() - std::string("data.pkl").size());
    }
  }
  std::map<std::string, ZipRecord> out;
  for (const ZipRecord& e : *entries) {
    if (!root.empty() && e.name.rfind(root, 0) == 0) out[e.name.substr(root.size())] = e;
  }
  return out;
}

// Refuses a record whose declared sizes a file of `file_size` bytes cannot
// hold, before anything is allocated for it.
void check_declared_sizes(const ZipRecord& entry, const std::string& name, uint64_t file_size) {
  const bool stored = entry.method == 0;
  if (entry.compressed_size > file_size || (stored && entry.size != entry.compressed_size) ||
      entry.size > std::max<uint64_t>(entry.compressed_size, 1) * kMaxExpansion) {
    throw std::runtime_error("record " + name + " declares " + std::to_string(entry.size) +
                             " bytes, more than the file can hold");
  }
}

// A record's bytes, once its declared sizes are plausible for a file of `file_size` bytes.
at::DataPtr checked_record(caffe2::serialize::PyTorchStreamReader& reader, const ZipRecord& entry,
                           const std::string& name, uint64_t file_size, size_t& size) {
  check_declared_sizes(entry, name, file_size);
  auto [data, got] = reader.getRecord(name);
  size = got;
  return std::move(data);
}

// The pickle's record, read and checked, and how its storages are found.
class ArchiveStorages {
 public:
  ArchiveStorages(caffe2::serialize::PyTorchStreamReader& reader, const FileSpan& zip, const std::string& path)
      : reader_(reader), path_(path), records_(records_by_name(zip, path)), file_size_(zip.size) {}

  c10::IValue unpickle(const pickle::StorageLookup& lookup) {
    const auto pickle_entry = records_.find("data.pkl");
    if (pickle_entry == records_.end()) not_a_checkpoint(path_, "it has no data.pkl at the top of its archive folder");
    size_t pickle_size = 0;
    at::DataPtr pickle;
    try {
      pickle = checked_record(reader_, pickle_entry->second, "data.pkl", file_size_, pickle_size);
    } catch (const std::exception& e) {
      not_a_checkpoint(path_, library_reason(e.what()));
    }
    return pickle::unpickle_restricted(static_cast<const char*>(pickle.get()), pickle_size, lookup, path_);
  }

  // The record of storage `key`, once it can hold `nbytes`; its name is "data/<key>".
  const ZipRecord& record_of(const std::string& key, uint64_t nbytes) const {
    const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!plain) throw std::runtime_error("the key is not a plain record name");
    const auto entry = records_.find("data/" + key);
    if (entry == records_.end()) throw std::runtime_error("the archive has no record data/" + key);
    if (entry->second.size < nbytes) {
      throw std::runtime_error("it needs " + std::to_string(nbytes) + " bytes but record data/" + key + " holds " +
                               std::to_string(entry->second.size));
    }
    return entry->second;
  }

  // Storage `key`'s bytes, read now.
  c10::Storage read(const std::string& key, uint64_t nbytes) {
    const ZipRecord& entry = record_of(key, nbytes);
    size_t size = 0;
    at::DataPtr data = checked_record(reader_, entry, "data/" + key, file_size_, size);
    if (size < nbytes) throw std::runtime_error("record data/" + key + " is shorter than its directory says");
    return c10::Storage(c10::Storage::use_byte_size_t(), size, std::move(data), nullptr, false);
  }

  // Storage `key` with its size known and its bytes unread (data pointer null).
  c10::Storage defer(const std::string& key, uint64_t nbytes) {
    const ZipRecord& entry = record_of(key, nbytes);
    check_declared_sizes(entry, "data/" + key, file_size_);
    c10::Storage storage(c10::Storage::use_byte_size_t(), entry.size, at::DataPtr(nullptr, at::kCPU), nullptr, false);
    deferred_.push_back({key, entry, storage});
    return storage;
  }

  // Reads every deferred storage, in file order, into its memory: the target
  // place_storages gave it, or fresh memory. Stored records are read by
  // kReadThreads threads taking them in turn: checking a record (its CRC-32
  // and SHA-256) and first touching fresh memory each keep a core busy.
  void read_deferred(const ArchiveReadAt& read_at) {
    std::sort(deferred_.begin(), deferred_.end(),
              [](const Deferred& a, const Deferred& b) { return a.entry.header_offset < b.entry.header_offset; });
    c10::Allocator* allocator = c10::GetCPUAllocator();
    struct StoredRead {
      const std::string* key;
      uint64_t offset;
      uint64_t size;
      void* into;
    };
    std::vector<StoredRead> stored;
    for (Deferred& d : deferred_) {
      c10::StorageImpl* storage = d.storage.unsafeGetStorageImpl();
      const std::string name = "data/" + d.key;
      if (storage->data() == nullptr && storage->nbytes() > 0) storage->set_data_ptr_noswap(allocator->allocate(storage->nbytes()));
      if (d.entry.size == 0) continue;
      if (d.entry.method != 0) {
        size_t size = 0;
        const at::DataPtr data = checked_record(reader_, d.entry, name, file_size_, size);
        if (size != d.entry.size) not_a_checkpoint(path_, "record " + name + " is shorter than its directory says");
        std::memcpy(storage->data(), data.get(), size);
        continue;
      }
      stored.push_back({&d.key, reader_.getRecordOffset(name), d.entry.size, storage->data()});
    }
    std::mutex failed_mutex;
    size_t first_failed = stored.size();
    parallel_for(stored.size(), kReadThreads, [&](size_t i) {
      if (read_at(stored[i].offset, stored[i].into, stored[i].size) == stored[i].size) return;
      const std::lock_guard<std::mutex> lock(failed_mutex);
      first_failed = std::min(first_failed, i);
    });
    if (first_failed < stored.size())
      not_a_checkpoint(path_, "record data/" + *stored[first_failed].key + " is cut short or fails its check");
  }

 private:
  struct Deferred {
    std::string key;
    ZipRecord entry;
    c10::Storage storage;
  };
  caffe2::serialize::PyTorchStreamReader& reader_;
  std::string path_;
  std::map<std::string, ZipRecord> records_;
  uint64_t file_size_ = 0;
  std::vector<Deferred> deferred_;
};

}  // namespace

c10::IValue unpickle_archive(caffe2::serialize::PyTorchStreamReader& reader, const FileSpan& zip,
                             const std::string& path) {
  ArchiveStorages archive(reader, zip, path);
  return archive.unpickle([&](const std::string& key, uint64_t nbytes) { return archive.read(key, nbytes); });
}

c10::IValue unpickle_archive_into(caffe2::serialize::PyTorchStreamReader& reader, const FileSpan& zip,
                                  const std::string& path, const ArchiveReadAt& read_at,
                                  const ReadIntoChooser& choose) {
  ArchiveStorages archive(reader, zip, path);
  c10::IValue root = archive.unpickle([&](const std::string& key, uint64_t nbytes) { return archive.defer(key, nbytes); });
  place_storages(root, choose);
  archive.read_deferred(read_at);
  return root;
}

}  // namespace cairn::checkpoint
