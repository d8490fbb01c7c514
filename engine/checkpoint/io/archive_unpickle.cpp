#include "checkpoint/io/archive_unpickle.h"

#include <sys/stat.h>

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <vector>

#include "cairn/errors.h"
#include "checkpoint/io/read_errors.h"
#include "checkpoint/io/zip_directory.h"
#include "checkpoint/pickle/restricted_unpickler.h"

namespace cairn::checkpoint {
namespace {

// Deflate expands at most ~1032:1; a record declaring more than that over the
// file's size is damaged or hostile, and is refused before anything allocates it.
constexpr uint64_t kMaxExpansion = 1032;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The directory by record name, without the archive's root folder ("archive/"),
// as the stream reader names records.
std::map<std::string, ZipRecord> records_by_name(int fd, const std::string& path) {
  const std::optional<std::vector<ZipRecord>> entries = zip_records(fd);
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

// A record's bytes, once its declared sizes are plausible for a file of `file_size` bytes.
at::DataPtr checked_record(caffe2::serialize::PyTorchStreamReader& reader, const ZipRecord& entry,
                           const std::string& name, uint64_t file_size, size_t& size) {
  const bool stored = entry.method == 0;
  if (entry.compressed_size > file_size || (stored && entry.size != entry.compressed_size) ||
      entry.size > std::max<uint64_t>(entry.compressed_size, 1) * kMaxExpansion) {
    throw std::runtime_error("record " + name + " declares " + std::to_string(entry.size) +
                             " bytes, more than the file can hold");
  }
  auto [data, got] = reader.getRecord(name);
  size = got;
  return std::move(data);
}

}  // namespace

c10::IValue unpickle_archive(caffe2::serialize::PyTorchStreamReader& reader, int fd, const std::string& path) {
  struct stat st {};
  const uint64_t file_size = ::fstat(fd, &st) == 0 ? uint64_t(st.st_size) : 0;
  const std::map<std::string, ZipRecord> records = records_by_name(fd, path);
  const auto pickle_entry = records.find("data.pkl");
  if (pickle_entry == records.end()) not_a_checkpoint(path, "it has no data.pkl at the top of its archive folder");
  size_t pickle_size = 0;
  at::DataPtr pickle;
  try {
    pickle = checked_record(reader, pickle_entry->second, "data.pkl", file_size, pickle_size);
  } catch (const std::exception& e) {
    not_a_checkpoint(path, library_reason(e.what()));
  }

  auto storages = [&](const std::string& key, uint64_t nbytes) -> c10::Storage {
    const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!plain) throw std::runtime_error("the key is not a plain record name");
    const std::string name = "data/" + key;
    const auto entry = records.find(name);
    if (entry == records.end()) throw std::runtime_error("the archive has no record " + name);
    if (entry->second.size < nbytes) {
      throw std::runtime_error("it needs " + std::to_string(nbytes) + " bytes but record " + name + " holds " +
                               std::to_string(entry->second.size));
    }
    size_t size = 0;
    at::DataPtr data = checked_record(reader, entry->second, name, file_size, size);
    if (size < nbytes) throw std::runtime_error("record " + name + " is shorter than its directory says");
    return c10::Storage(c10::Storage::use_byte_size_t(), size, std::move(data), nullptr, false);
  };
  return pickle::unpickle_restricted(static_cast<const char*>(pickle.get()), pickle_size, storages, path);
}

}  // namespace cairn::checkpoint
