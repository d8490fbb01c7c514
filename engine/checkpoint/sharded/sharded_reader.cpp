#include "checkpoint/sharded/sharded_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ATen/ATen.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "cairn/collectives.h"
#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_reader.h"
#include "checkpoint/sharded/chunk_boxes.h"
#include "checkpoint/sharded/data_file_digest.h"
#include "checkpoint/sharded/flatten.h"
#include "core/unique_fd.h"

namespace cairn::checkpoint::sharded {
namespace {

std::string dims_text(const std::vector<int64_t>& d) {
  std::string s = "(";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + ")";
}

}  // namespace

bool is_sharded_checkpoint(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         ::stat((path + "/" + kMetadataFile).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

ShardedReader::ShardedReader(std::string folder) : folder_(std::move(folder)) {
  while (folder_.size() > 1 && folder_.back() == '/') folder_.pop_back();
  if (!is_sharded_checkpoint(folder_))
    throw CheckpointError("'" + folder_ + "' is not a sharded checkpoint (a folder holding .metadata); pass the folder a sharded save wrote");
  std::ifstream in(folder_ + "/" + kMetadataFile, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    throw CheckpointError("cannot read '" + folder_ + "/.metadata'; check its permissions");
  metadata_ = parse_metadata(bytes, folder_);
  std::map<std::string, uint64_t> file_sizes;
  for (const StoredItem& it : metadata_.items) {
    check_boxes(it, folder_);
    for (const StoredChunk& c : it.chunks) {
      if (!file_sizes.count(c.file)) {
        struct stat st {};
        if (::stat((folder_ + "/" + c.file).c_str(), &st) != 0 || !S_ISREG(st.st_mode))
          throw CheckpointError("sharded checkpoint '" + folder_ + "': file '" + c.file + "' (holding '" + it.key +
                                "') is missing; copy the whole folder or pick another checkpoint");
        file_sizes[c.file] = uint64_t(st.st_size);
      }
      const uint64_t size = file_sizes[c.file];
      if (c.offset > size || c.length > size - c.offset)
        throw CheckpointError("sharded checkpoint '" + folder_ + "': file '" + c.file + "' ends at byte " +
                              std::to_string(size) + " but holds '" + it.key + "' at bytes " + std::to_string(c.offset) +
                              ".." + std::to_string(c.offset + c.length) + "; the file is truncated, pick another checkpoint");
    }
  }
}

bool ShardedReader::verify_manifest() const {
  verify_data_files(metadata_, folder_);
  data_files_verified_ = !metadata_.manifest.empty();
  return data_files_verified_;
}

bool ShardedReader::verify_manifest(Collectives& job) const {
  fail_together(job, [&] { verify_data_files(metadata_, folder_, size_t(job.rank()), size_t(job.size())); });
  data_files_verified_ = !metadata_.manifest.empty();
  return data_files_verified_;
}

const StoredItem& ShardedReader::item(const std::string& key) const {
  for (const StoredItem& it : metadata_.items)
    if (it.key == key) return it;
  throw CheckpointError("sharded checkpoint '" + folder_ + "' has no item '" + key + "'; `cairn inspect` lists its items");
}

// The piece is a complete zip inside its data file, read where it lies, with
// the checks of any checkpoint (CRCs and Cairn's per-zip manifest).
c10::IValue ShardedReader::read_piece(const StoredItem& it, const StoredChunk& chunk, const at::Tensor& into) const {
  const std::string name = folder_ + "/" + chunk.file + " (item '" + it.key + "' at byte " + std::to_string(chunk.offset) + ")";
  const UniqueFd src{::open((folder_ + "/" + chunk.file).c_str(), O_RDONLY | O_CLOEXEC)};
  if (src.fd < 0) throw CheckpointError("cannot open '" + folder_ + "/" + chunk.file + "' (" + std::strerror(errno) + "); check its permissions");
  // A chunk read whole into the tensor it ends up in skips a fresh
  // allocation and a copy (read_into.h: first touch is the slow part here).
  const ReadIntoChooser into_target = [&into](const std::string&, const at::Tensor& stored) {
    const bool fits = stored.scalar_type() == into.scalar_type() && stored.sizes() == into.sizes();
    return fits ? into : at::Tensor();
  };
  IntegrityPolicy policy;
  policy.record_digests = !data_files_verified_;
  return read_checkpoint_span(FileSpan{src.fd, chunk.offset, chunk.length}, name, policy,
                              into.defined() ? &into_target : nullptr);
}

at::Tensor ShardedReader::read_box(const std::string& key, const std::vector<int64_t>& offsets,
                                   const std::vector<int64_t>& sizes) const {
  const StoredItem& it = item(key);
  if (!it.is_tensor) throw CheckpointError("sharded checkpoint '" + folder_ + "': item '" + key + "' is not a tensor");
  bool inside = offsets.size() == it.size.size() && sizes.size() == it.size.size();
  for (size_t d = 0; inside && d < sizes.size(); ++d)
    inside = offsets[d] >= 0 && sizes[d] >= 0 && offsets[d] + sizes[d] <= it.size[d];
  if (!inside)
    throw CheckpointError("sharded checkpoint '" + folder_ + "': the box at " + dims_text(offsets) + " of size " +
                          dims_text(sizes) + " is outside item '" + key + "' of size " + dims_text(it.size));
  at::Tensor out = at::empty(sizes, at::TensorOptions().dtype(it.dtype));
  for (const StoredChunk& chunk : it.chunks) {
    int64_t volume = 1;
    for (int64_t s : chunk.sizes) volume *= s;
    if (volume == 0 || !boxes_intersect(offsets, sizes, chunk)) continue;
    // The overlap of the box and the chunk: its start in each dimension, and its sizes.
    std::vector<int64_t> start(sizes.size()), extent(sizes.size());
    at::Tensor dst = out;
    for (size_t d = 0; d < sizes.size(); ++d) {
      start[d] = std::max(offsets[d], chunk.offsets[d]);
      extent[d] = std::min(offsets[d] + sizes[d], chunk.offsets[d] + chunk.sizes[d]) - start[d];
      dst = dst.narrow(int64_t(d), start[d] - offsets[d], extent[d]);
    }
    // The whole chunk lands in one contiguous stretch of `out` (a rank's rows
    // of a tensor read whole): read it there.
    const bool whole_chunk = dst.sizes().vec() == chunk.sizes && dst.is_contiguous();
    const c10::IValue value = read_piece(it, chunk, whole_chunk ? dst : at::Tensor());
    if (!value.isTensor() || value.toTensor().scalar_type() != it.dtype || value.toTensor().sizes().vec() != chunk.sizes)
      throw CheckpointError("sharded checkpoint '" + folder_ + "': file '" + chunk.file + "' holds for item '" + key +
                            "' a " + (value.isTensor() ? std::string(c10::toString(value.toTensor().scalar_type())) + " tensor of size " +
                                                             dims_text(value.toTensor().sizes().vec())
                                                       : std::string(value.tagKind())) +
                            " where .metadata promises a " + c10::toString(it.dtype) + " chunk of size " + dims_text(chunk.sizes) +
                            "; pick another checkpoint");
    at::Tensor src = value.toTensor();
    if (src.data_ptr() == dst.data_ptr()) continue;  // read in place
    for (size_t d = 0; d < sizes.size(); ++d) src = src.narrow(int64_t(d), start[d] - chunk.offsets[d], extent[d]);
    dst.copy_(src);
  }
  return out;
}

c10::IValue ShardedReader::read_item(const std::string& key) const {
  const StoredItem& it = item(key);
  if (it.is_tensor) return read_box(key, std::vector<int64_t>(it.size.size(), 0), it.size);
  return read_piece(it, it.chunks.front(), at::Tensor());
}

c10::IValue ShardedReader::load() const {
  verify_manifest();
  return read_tree();
}

c10::IValue ShardedReader::load(Collectives& job) const {
  verify_manifest(job);
  return read_tree();
}

c10::IValue ShardedReader::read_tree() const {
  std::vector<FlatItem> items;
  for (const StoredItem& it : metadata_.items) items.push_back({it.key, read_item(it.key)});
  return unflatten(items, metadata_.layout, folder_);
}

}  // namespace cairn::checkpoint::sharded
