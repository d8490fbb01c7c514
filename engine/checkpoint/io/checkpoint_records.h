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
#include "checkpoint/io/checkpoint_keys.h"
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

// Writes the archive to `out`, ending with the manifest (record_manifest.h)
// and, given `signing_key`, its signature; returns its size. The SHA-256s run
// on another thread while the records are written; CRCs and hashes are
// skipped when `with_checksums` is false (a measuring pass: same size).
uint64_t write_checkpoint_zip(const PickledCheckpoint& pickled, ByteSink& out, ZipWriterOptions options,
                              const CheckpointKey* signing_key, bool with_checksums = true);

// The exact size write_checkpoint_zip will produce, without reading tensor data.
uint64_t checkpoint_zip_size(const PickledCheckpoint& pickled, ZipWriterOptions options,
                             const CheckpointKey* signing_key);

}  // namespace cairn::checkpoint
