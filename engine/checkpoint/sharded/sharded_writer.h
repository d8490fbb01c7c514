// Writing a sharded checkpoint folder in torch 1.13's distributed layout:
// `__{rank}_0.distcp` per rank, then `.metadata` (sharded_metadata.h).
//
// Two phases, so that one process can play every rank in tests:
//   1. every rank: write_rank_file (its data file, fsynced, and what it holds);
//   2. the coordinator, once every rank has written: write_metadata, atomically
//      and last, so a folder with `.metadata` is complete.
// save_sharded is both phases over a process group.
//
// Each item in a data file is a complete torch.save zip (Cairn's checkpoint
// writer) at an offset. A tensor, replicated on every rank as in data-parallel
// training, is split along dim 0 (chunk_boxes.h row_range) so each rank writes
// about 1/N of the bytes; bytes items (non-tensor leaves) are rank 0's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

#include "checkpoint/sharded/flatten.h"
#include "checkpoint/sharded/sharded_metadata.h"

namespace cairn {
class Collectives;
}

namespace cairn::checkpoint::sharded {

struct RankWriteResult {
  int rank = 0;
  int world = 1;
  std::string file;  // relative to the folder
  uint64_t bytes = 0;
  std::string sha256;
  std::vector<StoredItem> items;  // every item, with this rank's chunks only
  std::string layout;
  std::string error;  // one line when this rank's write failed

  // For allgather_bytes.
  std::string to_bytes() const;
  static RankWriteResult from_bytes(const std::string& bytes);
};

// The name of `rank`'s data file in the folder: "__{rank}_0.distcp".
std::string data_file_name(int rank);

// The data file of `rank` in `world`, written atomically and fsynced; creates
// `folder` if needed. Throws cairn::CheckpointError with one line on failure.
RankWriteResult write_rank_file(const std::string& folder, int rank, int world, const FlatCheckpoint& flat);

// `.metadata` from every rank's result (indexed by rank), written atomically
// (temporary file, fsync, rename, folder fsync). Throws CheckpointError,
// writing nothing, when a rank reported an error (its line), the results do
// not fit together, or some tensor would not be covered exactly.
void write_metadata(const std::string& folder, const std::vector<RankWriteResult>& results);

// Phase 1 as a rank of a process group runs it: this rank's file, with a
// failure reported in the result's `error` rather than thrown, so that the
// rank still takes part in publish_sharded (a background save runs this part).
RankWriteResult write_own_file(const std::string& folder, const c10::IValue& root, int rank, int world);

// Phase 2 over `group`, every rank with its phase-1 result: the results are
// gathered on every rank, rank 0 writes `.metadata`, and all ranks meet at a
// barrier. Any rank's failure fails the save on every rank with that rank's
// line, and no `.metadata` is written.
void publish_sharded(const std::string& folder, const RankWriteResult& mine, Collectives& group);

// Both phases over `group` (a dist::ProcessGroup, or any cairn/collectives.h):
// every rank writes its file, the results are gathered on every rank, rank 0
// writes `.metadata`, and all ranks meet at a barrier. Any rank's failure fails
// the save on every rank with that rank's line, and no `.metadata` is written.
void save_sharded(const std::string& folder, const c10::IValue& root, Collectives& group);

}  // namespace cairn::checkpoint::sharded
