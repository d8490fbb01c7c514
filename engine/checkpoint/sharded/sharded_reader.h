// Reading a sharded checkpoint folder (torch 1.13's distributed layout), as
// Cairn (sharded_writer.h) or Python's save_state_dict + FileSystemWriter
// wrote it, by any number of reading ranks: each item's full value is
// assembled from whichever files hold its chunks (N -> M resharding), or just
// one box of a tensor is read.
//
// Every chunk is a torch.save zip at an offset of a data file, read with
// Cairn's checkpoint reader (restricted unpickler, CRC and Cairn's per-zip
// manifest); nothing in the folder can run code.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>

#include "checkpoint/sharded/sharded_metadata.h"

namespace cairn {
class Collectives;
}

namespace cairn::checkpoint::sharded {

// Whether `path` is a folder holding `.metadata`.
bool is_sharded_checkpoint(const std::string& path);

class ShardedReader {
 public:
  // Reads and parses `.metadata` and checks every tensor's boxes and every
  // piece's place in its file. Throws cairn::CheckpointError with one line
  // naming the folder (and the file and key) on any problem.
  explicit ShardedReader(std::string folder);

  const ShardedMetadata& metadata() const { return metadata_; }
  const std::string& folder() const { return folder_; }

  // Checks the data files against the SHA-256 manifest, when there is one
  // (data_file_digest.h); returns whether there was. Items read after a check
  // that passed skip their records' own SHA-256s (the same bytes, just
  // hashed) and keep their CRC-32s.
  bool verify_manifest() const;
  // The same shared by the ranks of `job` (every rank calls it, on the same
  // folder): rank r hashes files r, r + size, ..., and the ranks agree that
  // every share passed (fail_together); every rank throws when one failed.
  bool verify_manifest(Collectives& job) const;

  // An item's whole value: the full tensor (contiguous) or the bytes item's value.
  c10::IValue read_item(const std::string& key) const;
  // The box [offsets, offsets + sizes) of tensor item `key`.
  at::Tensor read_box(const std::string& key, const std::vector<int64_t>& offsets, const std::vector<int64_t>& sizes) const;

  // The whole tree (flatten.h's unflatten), after verify_manifest.
  c10::IValue load() const;
  // The same on every rank of `job` at once, with verify_manifest(job): the
  // ranks share the hashing, and none reads before all shares passed.
  c10::IValue load(Collectives& job) const;

 private:
  const StoredItem& item(const std::string& key) const;
  // The chunk's value; a tensor chunk read straight into `into` when that is
  // defined and of the chunk's dtype and sizes (contiguous).
  c10::IValue read_piece(const StoredItem& item, const StoredChunk& chunk, const at::Tensor& into) const;
  c10::IValue read_tree() const;

  std::string folder_;
  ShardedMetadata metadata_;
  mutable bool data_files_verified_ = false;
};

}  // namespace cairn::checkpoint::sharded
