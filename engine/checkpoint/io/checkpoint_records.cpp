#include "checkpoint/io/checkpoint_records.h"

#include <zlib.h>

#include <torch/csrc/jit/serialization/pickler.h>

#include "checkpoint/io/cpu_tensors.h"
#include "checkpoint/io/crc_pipeline.h"

namespace cairn::checkpoint {
namespace {

// The folder name inside the zip; readers take it from the first record, so
// any name works. torch::pickle_save uses the same one.
const std::string kArchivePrefix = "archive/";
// caffe2::serialize::kMinProducedFileFormatVersion, which pickle_save writes.
const std::string kVersionRecord = "3\n";

ByteRange storage_bytes(const at::Tensor& t) {
  const at::Storage& storage = t.storage();
  return ByteRange{static_cast<const char*>(storage.data()), static_cast<uint64_t>(storage.nbytes())};
}

uint32_t crc_of(const std::string& s) {
  return static_cast<uint32_t>(crc32_z(0L, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

}  // namespace

PickledCheckpoint pickle_checkpoint(const c10::IValue& root) {
  const c10::IValue cpu_root = with_cpu_tensors(root);
  PickledCheckpoint out;
  torch::jit::Pickler pickler([&](const char* data, size_t size) { out.pickle.append(data, size); });
  pickler.protocol();
  pickler.pushIValue(cpu_root);
  pickler.stop();
  out.storages = pickler.tensorData();
  return out;
}

uint64_t write_checkpoint_zip(const PickledCheckpoint& pickled, ByteSink& out, ZipWriterOptions options,
                              bool with_crcs) {
  ZipStreamWriter zip(out, options);
  std::vector<ByteRange> ranges;
  ranges.reserve(pickled.storages.size());
  for (const at::Tensor& t : pickled.storages) ranges.push_back(storage_bytes(t));

  // The small pickle goes first, while the worker starts on the first storage.
  std::unique_ptr<CrcPipeline> crcs;
  if (with_crcs) crcs = std::make_unique<CrcPipeline>(ranges);
  zip.add_record(kArchivePrefix + "data.pkl", pickled.pickle.data(), pickled.pickle.size(),
                 with_crcs ? crc_of(pickled.pickle) : 0);
  for (size_t i = 0; i < ranges.size(); ++i) {
    zip.add_record(kArchivePrefix + "data/" + std::to_string(i), ranges[i].data, ranges[i].size,
                   with_crcs ? crcs->crc(i) : 0);
  }
  zip.add_record(kArchivePrefix + "version", kVersionRecord.data(), kVersionRecord.size(),
                 with_crcs ? crc_of(kVersionRecord) : 0);
  return zip.finish();
}

uint64_t checkpoint_zip_size(const PickledCheckpoint& pickled, ZipWriterOptions options) {
  CountingSink counter;
  return write_checkpoint_zip(pickled, counter, options, /*with_crcs=*/false);
}

}  // namespace cairn::checkpoint
