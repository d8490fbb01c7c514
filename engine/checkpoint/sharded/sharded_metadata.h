// The `.metadata` file of a torch 1.13 distributed checkpoint, as plain structs.
//
// Written with a small protocol-2 pickle emitter (GLOBAL, NEWOBJ, BUILD,
// SETITEMS, REDUCE: the opcodes 1.13's reader was shown to accept, see
// shared/reference/distributed/py/foreign_writer.py) under torch 1.13's class
// paths (torch.distributed._shard.checkpoint.metadata.*). Read with Cairn's
// restricted unpickler, where those classes are inert placeholders: nothing
// runs. Cairn adds two attributes to the Metadata object's __dict__, which
// Python's reader carries along and ignores:
//   cairn_manifest: {"__0_0.distcp": "<sha256 hex>", ...}, every data file
//   cairn_layout:   the tree's layout (flatten.h), a JSON string
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <c10/core/ScalarType.h>

namespace cairn::checkpoint::sharded {

inline constexpr const char* kMetadataFile = ".metadata";

// One stored piece of an item: a box of a tensor (or a whole bytes item) held
// as one torch.save zip at [offset, offset + length) of `file`.
struct StoredChunk {
  std::vector<int64_t> offsets;  // empty for bytes items
  std::vector<int64_t> sizes;
  std::string file;  // relative to the folder, "__0_0.distcp"
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct StoredItem {
  std::string key;
  bool is_tensor = false;
  c10::ScalarType dtype = c10::ScalarType::Float;  // tensors only
  std::vector<int64_t> size;                       // tensors only: the full tensor's
  std::vector<StoredChunk> chunks;
};

struct ShardedMetadata {
  std::vector<StoredItem> items;              // in state_dict_metadata's order
  std::map<std::string, std::string> manifest;  // file -> SHA-256 hex; empty when absent
  std::string layout;                           // empty when absent
};

// The pickle bytes of `.metadata`.
std::string metadata_pickle(const ShardedMetadata& metadata);

// Parses `.metadata`'s bytes; `folder` names it in errors. Throws
// cairn::CheckpointError with one line naming the folder and what is wrong.
ShardedMetadata parse_metadata(const std::string& bytes, const std::string& folder);

// torch's name of a dtype ("float32"); throws CheckpointError for a dtype that
// torch.save cannot store.
std::string torch_dtype_name(c10::ScalarType type);

}  // namespace cairn::checkpoint::sharded
