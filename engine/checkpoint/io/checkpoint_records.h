// A checkpoint tree as the records of a PyTorch zip archive.
//
// Same layout as torch::pickle_save / Python torch.save: "<archive>/data.pkl"
// (the pickle, from torch::jit::Pickler), "<archive>/data/<i>" (the bytes of
// the i-th distinct storage the pickle refers to), "<archive>/version".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>
#include <ATen/core/Tensor.h>

#include "core/byte_sink.h"
#include "checkpoint/io/zip_writer.h"

namespace cairn::checkpoint {

struct PickledCheckpoint {
  std::string pickle;
  // One CPU tensor per storage, in the pickle's numbering; only the storage matters.
  std::vector<at::Tensor> storages;
};

// Pickles `root` (tensors moved to the CPU first, see cpu_tensors.h). Throws
// c10::Error if the pickler refuses a value.
PickledCheckpoint pickle_checkpoint(const c10::IValue& root);

// Writes the archive to `out`; returns its size. CRCs are computed in parallel
// with the writing unless `with_crcs` is false (a measuring pass).
uint64_t write_checkpoint_zip(const PickledCheckpoint& pickled, ByteSink& out, ZipWriterOptions options,
                              bool with_crcs = true);

// The exact size write_checkpoint_zip will produce, without reading tensor data.
uint64_t checkpoint_zip_size(const PickledCheckpoint& pickled, ZipWriterOptions options);

}  // namespace cairn::checkpoint
