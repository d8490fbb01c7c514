#include "checkpoint/io/checkpoint_records.h"

#include <torch/csrc/jit/serialization/pickler.h>

#include "checkpoint/io/cpu_tensors.h"
#include "checkpoint/io/crc32.h"

namespace cairn::checkpoint {
namespace {

// The folder name inside the zip; readers take it from the first record, so
// any name works. torch::pickle_save uses the same one.
const std::string kArchivePrefix = "archive/";
// caffe2::serialize::kMinProducedFileFormatVersion, which pickle_save writes.
const std::string kVersionRecord = "3\n";

void add_text_record(ZipStreamWriter& zip, const std::string& name, const std::string& text, bool with_crcs) {
  zip.add_record(name, text.data(), text.size(), with_crcs ? crc32_of(text.data(), text.size()) : 0);
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
  add_text_record(zip, kArchivePrefix + "data.pkl", pickled.pickle, with_crcs);
  for (size_t i = 0; i < pickled.storages.size(); ++i) {
    const at::Storage& storage = pickled.storages[i].storage();
    const char* data = static_cast<const char*>(storage.data());
    const size_t size = storage.nbytes();
    zip.add_record(kArchivePrefix + "data/" + std::to_string(i), data, size, with_crcs ? crc32_of(data, size) : 0);
  }
  add_text_record(zip, kArchivePrefix + "version", kVersionRecord, with_crcs);
  return zip.finish();
}

uint64_t checkpoint_zip_size(const PickledCheckpoint& pickled, ZipWriterOptions options) {
  CountingSink counter;
  return write_checkpoint_zip(pickled, counter, options, /*with_crcs=*/false);
}

}  // namespace cairn::checkpoint
