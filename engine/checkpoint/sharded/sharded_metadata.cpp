#include "checkpoint/sharded/sharded_metadata.h"

#include <ATen/core/Dict.h>

#include <cstdint>
#include <cstring>
#include <optional>

#include "cairn/errors.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/pickle/restricted_unpickler.h"
#include "checkpoint/pickle/tensor_rebuild.h"

namespace cairn::checkpoint::sharded {
namespace {

constexpr const char* kMeta = "torch.distributed._shard.checkpoint.metadata";
constexpr const char* kFs = "torch.distributed._shard.checkpoint.filesystem";
constexpr const char* kSt = "torch.distributed._shard.sharded_tensor.metadata";

// Protocol 2 without a memo: every object is written where it is used.
std::string global(const std::string& module, const std::string& name) { return "c" + module + "\n" + name + "\n"; }
std::string le32(uint32_t n) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = char((n >> (8 * i)) & 0xff);
  return s;
}
std::string text(const std::string& s) { return "X" + le32(uint32_t(s.size())) + s; }
std::string integer(int64_t n) {
  if (n >= INT32_MIN && n <= INT32_MAX) return "J" + le32(uint32_t(int32_t(n)));
  std::string s = "\x8a\x08";  // LONG1, 8 bytes, two's complement little-endian
  for (int i = 0; i < 8; ++i) s += char((uint64_t(n) >> (8 * i)) & 0xff);
  return s;
}
std::string tuple_of(const std::vector<std::string>& items) {
  std::string s = "(";
  for (const auto& i : items) s += i;
  return s + "t";
}
std::string torch_size(const std::vector<int64_t>& dims) {
  std::vector<std::string> parts;
  for (int64_t d : dims) parts.push_back(integer(d));
  return global("torch", "Size") + tuple_of({tuple_of(parts)}) + "R";
}
// cls.__new__(cls) then BUILD with the instance __dict__, as a dataclass pickles.
std::string object(const std::string& module, const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string s = global(module, name) + ")\x81}(";
  for (const auto& [k, v] : fields) s += text(k) + v;
  return s + "ub";
}
std::string properties(c10::ScalarType dtype) {
  // TensorProperties.__setstate__ takes (dtype, layout, requires_grad, memory_format, pin_memory).
  const std::string format = global("builtins", "getattr") +
                             tuple_of({global(kSt, "MEM_FORMAT_ENCODING"), text("TORCH_CONTIGUOUS_FORMAT")}) + "R";
  const std::string layout = global("torch.serialization", "_get_layout") + tuple_of({text("torch.strided")}) + "R";
  return global(kSt, "TensorProperties") + ")\x81" +
         tuple_of({global("torch", torch_dtype_name(dtype)), layout, "\x89", format, "\x89"}) + "b";
}
std::string item_metadata(const StoredItem& item) {
  if (!item.is_tensor) return object(kMeta, "BytesStorageMetadata", {});
  std::string chunks = "](";
  for (const StoredChunk& c : item.chunks) {
    chunks += object(kMeta, "ChunkStorageMetadata", {{"offsets", torch_size(c.offsets)}, {"sizes", torch_size(c.sizes)}});
  }
  chunks += "e";
  return object(kMeta, "TensorStorageMetadata",
                {{"properties", properties(item.dtype)}, {"size", torch_size(item.size)}, {"chunks", chunks}});
}

// ---- reading: the unpickled placeholders ----

[[noreturn]] void malformed(const std::string& folder, const std::string& what) {
  throw CheckpointError("sharded checkpoint '" + folder + "' has a .metadata that is not torch's checkpoint metadata (" +
                        what + "); the folder is damaged or not a distributed checkpoint, pick another checkpoint");
}

// The BUILD state of a placeholder of class `cls` (`cls` empty: any class).
c10::impl::GenericDict state_of(const c10::IValue& v, const std::string& cls, const std::string& folder,
                                const std::string& what) {
  const std::optional<std::string> name = pickle::pickled_class(v);
  if (!name || (!cls.empty() && *name != std::string(kMeta) + "." + cls && *name != std::string(kFs) + "." + cls))
    malformed(folder, what + " is not a " + cls);
  const auto d = v.toGenericDict();
  const auto it = d.find("state");
  if (it == d.end() || it->value().isNone()) return c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  if (!it->value().isGenericDict()) malformed(folder, what + " has a state that is not a dict");
  return it->value().toGenericDict();
}
c10::IValue field(const c10::impl::GenericDict& d, const std::string& key, const std::string& folder, const std::string& what) {
  const auto it = d.find(key);
  if (it == d.end()) malformed(folder, what + " has no " + key);
  return it->value();
}
std::vector<int64_t> dims(const c10::IValue& v, const std::string& folder, const std::string& what) {
  std::vector<int64_t> out;
  if (!v.isTuple()) malformed(folder, what + " is not a torch.Size");
  for (const auto& e : v.toTupleRef().elements()) {
    if (!e.isInt() || e.toInt() < 0) malformed(folder, what + " holds something other than sizes");
    out.push_back(e.toInt());
  }
  return out;
}
c10::ScalarType dtype_of(const c10::IValue& properties, const std::string& folder, const std::string& key) {
  const auto d = properties.isGenericDict() ? properties.toGenericDict() : c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  const auto it = d.find("state");
  if (it != d.end() && it->value().isTuple() && !it->value().toTupleRef().elements().empty()) {
    const c10::IValue& dtype = it->value().toTupleRef().elements()[0];
    if (dtype.isString() && dtype.toStringRef().rfind("torch.", 0) == 0) {
      if (auto t = pickle::dtype_scalar_type(dtype.toStringRef().substr(6))) return *t;
    }
  }
  malformed(folder, "the properties of '" + key + "' name no dtype Cairn knows");
}

// A data file sits in the folder itself: no name may lead elsewhere.
bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

}  // namespace

std::string torch_dtype_name(c10::ScalarType type) {
  if (auto name = pickle::dtype_python_name(type)) return *name;
  throw CheckpointError(std::string("cannot save a sharded checkpoint of a ") + c10::toString(type) +
                        " tensor; convert it to a standard dtype first");
}

std::string metadata_pickle(const ShardedMetadata& metadata) {
  std::string state_dict_metadata = "}(";
  std::string storage_data = "}(";
  for (const StoredItem& item : metadata.items) {
    state_dict_metadata += text(item.key) + item_metadata(item);
    for (size_t i = 0; i < item.chunks.size(); ++i) {
      const StoredChunk& c = item.chunks[i];
      const std::string index =
          item.is_tensor ? object(kMeta, "MetadataIndex", {{"fqn", text(item.key)}, {"offset", torch_size(c.offsets)}, {"index", integer(int64_t(i))}})
                         : object(kMeta, "MetadataIndex", {{"fqn", text(item.key)}, {"offset", "N"}, {"index", "N"}});
      storage_data += index + object(kFs, "_StorageInfo", {{"relative_path", text(c.file)}, {"offset", integer(int64_t(c.offset))},
                                                           {"length", integer(int64_t(c.length))}});
    }
  }
  state_dict_metadata += "u";
  storage_data += "u";
  std::vector<std::pair<std::string, std::string>> fields = {
      {"state_dict_metadata", state_dict_metadata}, {"planner_data", "N"}, {"storage_data", storage_data}};
  if (!metadata.manifest.empty()) {
    std::string manifest = "}(";
    for (const auto& [file, sha] : metadata.manifest) manifest += text(file) + text(sha);
    fields.emplace_back("cairn_manifest", manifest + "u");
  }
  if (!metadata.layout.empty()) fields.emplace_back("cairn_layout", text(metadata.layout));
  return "\x80\x02" + object(kMeta, "Metadata", fields) + ".";
}

ShardedMetadata parse_metadata(const std::string& bytes, const std::string& folder) {
  pickle::PickleLimits limits;
  limits.object_keys_as_pairs = true;
  const auto no_storages = [](const std::string&, uint64_t) -> c10::Storage {
    throw std::runtime_error("a .metadata holds no tensors");
  };
  const c10::IValue root = pickle::unpickle_restricted(bytes.data(), bytes.size(), no_storages, folder + "/.metadata", limits);
  const auto top = state_of(root, "Metadata", folder, "its root");
  ShardedMetadata out;

  std::map<std::string, size_t> position;
  const c10::IValue sdm = field(top, "state_dict_metadata", folder, "Metadata");
  if (!sdm.isGenericDict()) malformed(folder, "state_dict_metadata is not a dict");
  for (const auto& e : sdm.toGenericDict()) {
    if (!e.key().isString()) malformed(folder, "state_dict_metadata has a key that is not a string");
    StoredItem item;
    item.key = e.key().toStringRef();
    const std::optional<std::string> cls = pickle::pickled_class(e.value());
    item.is_tensor = cls && *cls == std::string(kMeta) + ".TensorStorageMetadata";
    if (item.is_tensor) {
      const auto t = state_of(e.value(), "TensorStorageMetadata", folder, "'" + item.key + "'");
      item.dtype = dtype_of(field(t, "properties", folder, item.key), folder, item.key);
      item.size = dims(field(t, "size", folder, item.key), folder, "the size of '" + item.key + "'");
    } else {
      state_of(e.value(), "BytesStorageMetadata", folder, "'" + item.key + "'");
    }
    position[item.key] = out.items.size();
    out.items.push_back(std::move(item));
  }

  const c10::IValue storage = field(top, "storage_data", folder, "Metadata");
  if (!storage.isGenericDict()) malformed(folder, "storage_data is not a dict");
  for (const auto& e : storage.toGenericDict()) {
    if (!e.value().isTuple() || e.value().toTupleRef().elements().size() != 2) malformed(folder, "storage_data is not keyed by MetadataIndex");
    const auto& pair = e.value().toTupleRef().elements();
    const auto index = state_of(pair[0], "MetadataIndex", folder, "a storage_data key");
    const auto info = state_of(pair[1], "_StorageInfo", folder, "a storage_data value");
    const c10::IValue fqn = field(index, "fqn", folder, "MetadataIndex");
    if (!fqn.isString() || !position.count(fqn.toStringRef())) malformed(folder, "storage_data names an item state_dict_metadata lacks");
    StoredItem& item = out.items[position[fqn.toStringRef()]];
    StoredChunk chunk;
    const c10::IValue path = field(info, "relative_path", folder, "_StorageInfo");
    const c10::IValue offset = field(info, "offset", folder, "_StorageInfo");
    const c10::IValue length = field(info, "length", folder, "_StorageInfo");
    if (!path.isString() || !offset.isInt() || !length.isInt() || offset.toInt() < 0 || length.toInt() < 0)
      malformed(folder, "a _StorageInfo of '" + item.key + "' is not a file, offset and length");
    chunk.file = path.toStringRef();
    if (!plain_file_name(chunk.file))
      malformed(folder, "'" + item.key + "' is stored in '" + chunk.file + "', which is not a file of the folder");
    chunk.offset = uint64_t(offset.toInt());
    chunk.length = uint64_t(length.toInt());
    if (item.is_tensor) {
      // The chunk's box is the one in state_dict_metadata at the same offsets.
      chunk.offsets = dims(field(index, "offset", folder, "MetadataIndex"), folder, "a chunk offset of '" + item.key + "'");
    }
    item.chunks.push_back(std::move(chunk));
  }

  // Boxes: state_dict_metadata's chunks, matched to the stored pieces by offsets.
  for (const auto& e : sdm.toGenericDict()) {
    StoredItem& item = out.items[position[e.key().toStringRef()]];
    if (!item.is_tensor) continue;
    const auto t = state_of(e.value(), "TensorStorageMetadata", folder, item.key);
    const c10::IValue chunks = field(t, "chunks", folder, item.key);
    if (!chunks.isList()) malformed(folder, "the chunks of '" + item.key + "' are not a list");
    for (const auto& c : chunks.toListRef()) {
      const auto box = state_of(c, "ChunkStorageMetadata", folder, "a chunk of '" + item.key + "'");
      const auto offsets = dims(field(box, "offsets", folder, item.key), folder, "a chunk offset of '" + item.key + "'");
      const auto sizes = dims(field(box, "sizes", folder, item.key), folder, "a chunk size of '" + item.key + "'");
      for (StoredChunk& stored : item.chunks)
        if (stored.offsets == offsets && stored.sizes.empty()) stored.sizes = sizes;
    }
  }

  if (const auto it = top.find("cairn_manifest"); it != top.end() && it->value().isGenericDict()) {
    for (const auto& e : it->value().toGenericDict()) {
      if (!e.key().isString() || !e.value().isString() || !plain_file_name(e.key().toStringRef()))
        malformed(folder, "cairn_manifest is not names of files in the folder and their hashes");
      out.manifest[e.key().toStringRef()] = e.value().toStringRef();
    }
  }
  if (const auto it = top.find("cairn_layout"); it != top.end() && it->value().isString()) out.layout = it->value().toStringRef();
  return out;
}

}  // namespace cairn::checkpoint::sharded
