#include "checkpoint/sharded/chunk_boxes.h"

#include <algorithm>

#include "cairn/errors.h"

namespace cairn::checkpoint::sharded {
namespace {

std::string box_text(const StoredChunk& c) {
  std::string s = "[";
  for (size_t d = 0; d < c.offsets.size(); ++d) {
    s += (d ? ", " : "") + std::to_string(c.offsets[d]) + ":" +
         std::to_string(c.offsets[d] + (d < c.sizes.size() ? c.sizes[d] : 0));
  }
  return s + "]";
}

[[noreturn]] void bad(const std::string& folder, const StoredChunk* c, const StoredItem& item, const std::string& what) {
  throw CheckpointError("sharded checkpoint '" + folder + "'" + (c ? ", file '" + c->file + "'" : std::string()) +
                        ": item '" + item.key + "' " + what +
                        "; the .metadata does not describe its files, pick another checkpoint");
}

}  // namespace

std::pair<int64_t, int64_t> row_range(int64_t rows, int rank, int world) {
  const int64_t base = rows / world, extra = rows % world;
  const int64_t count = base + (rank < extra ? 1 : 0);
  const int64_t first = rank * base + std::min<int64_t>(rank, extra);
  return {first, count};
}

bool boxes_intersect(const std::vector<int64_t>& offsets, const std::vector<int64_t>& sizes, const StoredChunk& chunk) {
  for (size_t d = 0; d < offsets.size(); ++d) {
    const int64_t lo = std::max(offsets[d], chunk.offsets[d]);
    const int64_t hi = std::min(offsets[d] + sizes[d], chunk.offsets[d] + chunk.sizes[d]);
    if (lo >= hi) return false;
  }
  return true;
}

void check_boxes(const StoredItem& item, const std::string& folder) {
  if (!item.is_tensor) {
    if (item.chunks.size() != 1) bad(folder, nullptr, item, "is stored in " + std::to_string(item.chunks.size()) + " pieces, not one");
    return;
  }
  int64_t total = 1;
  for (int64_t s : item.size) total *= s;
  int64_t covered = 0;
  for (size_t i = 0; i < item.chunks.size(); ++i) {
    const StoredChunk& c = item.chunks[i];
    if (c.offsets.size() != item.size.size() || c.sizes.size() != item.size.size())
      bad(folder, &c, item, "has a chunk " + box_text(c) + " whose rank differs from the tensor's " + std::to_string(item.size.size()));
    int64_t volume = 1;
    for (size_t d = 0; d < item.size.size(); ++d) {
      if (c.offsets[d] < 0 || c.sizes[d] < 0 || c.offsets[d] + c.sizes[d] > item.size[d])
        bad(folder, &c, item, "has a chunk " + box_text(c) + " outside the tensor");
      volume *= c.sizes[d];
    }
    for (size_t j = 0; j < i; ++j) {
      if (volume > 0 && boxes_intersect(c.offsets, c.sizes, item.chunks[j]))
        bad(folder, &c, item, "has chunks " + box_text(item.chunks[j]) + " and " + box_text(c) + " that overlap");
    }
    covered += volume;
  }
  if (covered != total || item.chunks.empty())
    bad(folder, item.chunks.empty() ? nullptr : &item.chunks.front(), item,
        "is covered for " + std::to_string(covered) + " of its " + std::to_string(total) + " elements");
}

}  // namespace cairn::checkpoint::sharded
