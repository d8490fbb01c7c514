// Which part of a tensor each rank stores, and the checks that a tensor's
// stored boxes tile it exactly (shared by the writer, which refuses to publish
// a bad .metadata, and the reader, which refuses to load one).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "checkpoint/sharded/sharded_metadata.h"

namespace cairn::checkpoint::sharded {

// Rows [first, first + count) of a `rows`-row tensor that `rank` of `world`
// writes: an even split along dim 0, the remainder to the lowest ranks, so a
// tensor with fewer rows than ranks goes one row each to the lowest ranks.
// A 0-dim or 0-row tensor is rank 0's alone (count = rows, or 1 for 0-dim; the
// caller knows which).
std::pair<int64_t, int64_t> row_range(int64_t rows, int rank, int world);

// Throws cairn::CheckpointError with one line naming `folder`, the chunk's file
// and `item`'s key when a chunk lies outside the tensor, two chunks overlap,
// the chunks leave part of the tensor uncovered, or a bytes item has not
// exactly one piece.
void check_boxes(const StoredItem& item, const std::string& folder);

// Whether box (offsets, sizes) and the chunk's box share an element.
bool boxes_intersect(const std::vector<int64_t>& offsets, const std::vector<int64_t>& sizes, const StoredChunk& chunk);

}  // namespace cairn::checkpoint::sharded
