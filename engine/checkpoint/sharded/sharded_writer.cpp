#include "checkpoint/sharded/sharded_writer.h"

#include <ATen/Functions.h>
#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include <boost/filesystem.hpp>

#include <system_error>
#include <tuple>

#include "cairn/collectives.h"
#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "checkpoint/io/checkpoint_records.h"
#include "checkpoint/sharded/chunk_boxes.h"
#include "core/atomic_file.h"
#include "core/one_line.h"

namespace cairn::checkpoint::sharded {
namespace {

using nlohmann::json;

// The data file with the exact count of bytes handed to it (AtomicFile's own
// count leaves out what it still gathers), which is each piece's offset.
// Counts and hashes what it writes, so the manifest's SHA-256 costs no second
// read of the file.
class CountedFile final : public ByteSink {
 public:
  explicit CountedFile(AtomicFile& file) : file_(file) {}
  void write(const char* data, size_t size) override {
    file_.write(data, size);
    digest_.update(data, size);
    count_ += size;
  }
  uint64_t count() const { return count_; }
  std::string sha256_hex() { return digest_.finish_hex(); }

 private:
  AtomicFile& file_;
  http::Sha256 digest_;
  uint64_t count_ = 0;
};

// This rank's rows as a tensor of their own storage, which is all the zip
// then holds: the same memory when the rows are contiguous on the CPU (valid
// while `rows` lives), else a copy.
at::Tensor standalone(const at::Tensor& rows) {
  if (rows.device().is_cpu() && rows.is_contiguous()) {
    return at::from_blob(rows.data_ptr(), rows.sizes(), rows.options());
  }
  return rows.to(at::kCPU).contiguous().clone();
}

// Appends one value as a complete torch.save zip; returns its [offset, length).
std::pair<uint64_t, uint64_t> append_zip(CountedFile& file, const c10::IValue& value, const std::string& key) {
  PickledCheckpoint pickled;
  try {
    pickled = pickle_checkpoint(value);
  } catch (const c10::Error& e) {
    throw CheckpointError("cannot save sharded item '" + key + "': the pickler refuses it (" + exception_line(e) +
                          "); keep only tensors, dicts, lists, tuples, strings and numbers in state dicts");
  }
  const uint64_t start = file.count();
  write_checkpoint_zip(pickled, file, ZipWriterOptions{}, nullptr);
  return {start, file.count() - start};
}

std::vector<int64_t> sizes_of(const at::Tensor& t) { return t.sizes().vec(); }

json chunk_json(const StoredChunk& c) {
  return json{{"offsets", c.offsets}, {"sizes", c.sizes}, {"file", c.file}, {"offset", c.offset}, {"length", c.length}};
}

}  // namespace

std::string RankWriteResult::to_bytes() const {
  json items_json = json::array();
  for (const StoredItem& item : items) {
    json chunks = json::array();
    for (const StoredChunk& c : item.chunks) chunks.push_back(chunk_json(c));
    items_json.push_back(json{{"key", item.key}, {"tensor", item.is_tensor}, {"dtype", int(item.dtype)},
                              {"size", item.size}, {"chunks", chunks}});
  }
  return json{{"rank", rank}, {"world", world}, {"file", file}, {"bytes", bytes}, {"sha256", sha256},
              {"items", items_json}, {"layout", layout}, {"error", error}}.dump();
}

RankWriteResult RankWriteResult::from_bytes(const std::string& bytes) {
  const json j = json::parse(bytes);
  RankWriteResult r;
  r.rank = j.at("rank").get<int>();
  r.world = j.at("world").get<int>();
  r.file = j.at("file").get<std::string>();
  r.bytes = j.at("bytes").get<uint64_t>();
  r.sha256 = j.at("sha256").get<std::string>();
  r.layout = j.at("layout").get<std::string>();
  r.error = j.at("error").get<std::string>();
  for (const json& i : j.at("items")) {
    StoredItem item;
    item.key = i.at("key").get<std::string>();
    item.is_tensor = i.at("tensor").get<bool>();
    item.dtype = static_cast<c10::ScalarType>(i.at("dtype").get<int>());
    item.size = i.at("size").get<std::vector<int64_t>>();
    for (const json& c : i.at("chunks")) {
      StoredChunk chunk;
      chunk.offsets = c.at("offsets").get<std::vector<int64_t>>();
      chunk.sizes = c.at("sizes").get<std::vector<int64_t>>();
      chunk.file = c.at("file").get<std::string>();
      chunk.offset = c.at("offset").get<uint64_t>();
      chunk.length = c.at("length").get<uint64_t>();
      item.chunks.push_back(std::move(chunk));
    }
    r.items.push_back(std::move(item));
  }
  return r;
}

std::string data_file_name(int rank) { return "__" + std::to_string(rank) + "_0.distcp"; }

RankWriteResult write_rank_file(const std::string& folder, int rank, int world, const FlatCheckpoint& flat) {
  RankWriteResult result;
  result.rank = rank;
  result.world = world;
  result.file = data_file_name(rank);
  result.layout = flat.layout;
  const std::string path = folder + "/" + result.file;
  try {
    boost::filesystem::create_directories(folder);
    AtomicFile atomic(path, WriteMode::kDirect);
    CountedFile file(atomic);
    for (const FlatItem& flat_item : flat.items) {
      StoredItem item;
      item.key = flat_item.key;
      item.is_tensor = flat_item.value.isTensor();
      StoredChunk chunk;
      chunk.file = result.file;
      if (!item.is_tensor) {
        if (rank == 0) {
          std::tie(chunk.offset, chunk.length) = append_zip(file, flat_item.value, item.key);
          item.chunks.push_back(chunk);
        }
        result.items.push_back(std::move(item));
        continue;
      }
      const at::Tensor tensor = flat_item.value.toTensor();
      item.dtype = tensor.scalar_type();
      torch_dtype_name(item.dtype);  // refuses dtypes torch's metadata cannot name, on every rank
      item.size = sizes_of(tensor);
      at::Tensor mine;
      if (tensor.dim() == 0 || tensor.size(0) == 0) {
        if (rank == 0) mine = tensor;
      } else {
        const auto [first, count] = row_range(tensor.size(0), rank, world);
        if (count > 0) mine = tensor.narrow(0, first, count);
      }
      if (mine.defined()) {
        const at::Tensor piece = standalone(mine);
        chunk.offsets.assign(size_t(tensor.dim()), 0);
        if (tensor.dim() > 0 && tensor.size(0) > 0) chunk.offsets[0] = row_range(tensor.size(0), rank, world).first;
        chunk.sizes = sizes_of(piece);
        std::tie(chunk.offset, chunk.length) = append_zip(file, piece, item.key);
        item.chunks.push_back(chunk);
      }
      result.items.push_back(std::move(item));
    }
    atomic.commit();
    result.bytes = file.count();
    result.sha256 = file.sha256_hex();
  } catch (const std::system_error& e) {
    throw CheckpointError("cannot write sharded checkpoint file '" + path + "': " + e.what() +
                          "; check that the folder is writable and has free space");
  } catch (const boost::filesystem::filesystem_error& e) {
    throw CheckpointError("cannot create sharded checkpoint folder '" + folder + "': " + e.code().message() +
                          "; check the path and its permissions");
  }
  return result;
}

void write_metadata(const std::string& folder, const std::vector<RankWriteResult>& results) {
  for (const RankWriteResult& r : results) {
    if (!r.error.empty()) throw CheckpointError(r.error);
  }
  if (results.empty()) throw CheckpointError("cannot write sharded checkpoint '" + folder + "': no rank wrote a file");
  ShardedMetadata metadata;
  metadata.layout = results[0].layout;
  metadata.items = results[0].items;
  for (StoredItem& item : metadata.items) item.chunks.clear();
  for (size_t r = 0; r < results.size(); ++r) {
    const RankWriteResult& result = results[r];
    if (result.rank != int(r) || result.world != int(results.size()) || result.items.size() != metadata.items.size())
      throw CheckpointError("cannot write sharded checkpoint '" + folder + "': rank " + std::to_string(r) +
                            " wrote a different state or world size than rank 0; every rank must save the same keys");
    for (size_t i = 0; i < metadata.items.size(); ++i) {
      if (result.items[i].key != metadata.items[i].key || result.items[i].size != metadata.items[i].size)
        throw CheckpointError("cannot write sharded checkpoint '" + folder + "': rank " + std::to_string(r) +
                              " has item '" + result.items[i].key + "' where rank 0 has '" + metadata.items[i].key +
                              "' (or another shape); every rank must save the same state");
      for (const StoredChunk& c : result.items[i].chunks) metadata.items[i].chunks.push_back(c);
    }
    metadata.manifest[result.file] = result.sha256;
  }
  for (const StoredItem& item : metadata.items) check_boxes(item, folder);
  const std::string path = folder + "/" + kMetadataFile;
  try {
    AtomicFile file(path);
    const std::string bytes = metadata_pickle(metadata);
    file.write(bytes.data(), bytes.size());
    file.commit();
  } catch (const std::system_error& e) {
    throw CheckpointError("cannot write '" + path + "': " + e.what() + "; check that the folder is writable and has free space");
  }
}

RankWriteResult write_own_file(const std::string& folder, const c10::IValue& root, int rank, int world) {
  RankWriteResult mine;
  mine.rank = rank;
  mine.world = world;
  try {
    mine = write_rank_file(folder, rank, world, flatten(root));
  } catch (const std::exception& e) {
    mine.error = "rank " + std::to_string(rank) + ": " + exception_line(e);
  }
  return mine;
}

void publish_sharded(const std::string& folder, const RankWriteResult& mine, Collectives& group) {
  std::vector<RankWriteResult> results;
  for (const std::string& bytes : group.allgather_bytes(mine.to_bytes())) results.push_back(RankWriteResult::from_bytes(bytes));
  std::string failure;
  for (const RankWriteResult& r : results)
    if (failure.empty() && !r.error.empty()) failure = r.error;
  if (failure.empty() && group.is_rank_zero()) {
    try {
      write_metadata(folder, results);
    } catch (const std::exception& e) {
      failure = exception_line(e);
    }
  }
  // Every rank learns whether rank 0 published the folder.
  failure = group.broadcast_bytes(failure);
  group.barrier();
  if (!failure.empty()) throw CheckpointError("sharded checkpoint '" + folder + "' was not saved: " + failure);
}

void save_sharded(const std::string& folder, const c10::IValue& root, Collectives& group) {
  publish_sharded(folder, write_own_file(folder, root, group.rank(), group.size()), group);
}

}  // namespace cairn::checkpoint::sharded
