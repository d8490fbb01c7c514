// Reading and writing one checkpoint file: the IValue tree <-> bytes on disk.
//
// The plain format is the zip archive that Python's `torch.save` and
// `torch::pickle_save` write, so `torch.load` opens a Cairn checkpoint. The file
// name's extension can select a tar container and/or a compressor, following
// Composer's naming rules (see checkpoint_format.h for the exact table).
#pragma once

#include <cstdint>
#include <string>

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint {

// Throws cairn::ConfigError if the file name's extension selects no known format
// (e.g. "x.pt.unknown", "x.tar.foo"), naming the name and listing the supported
// extensions. Meant to be called when a saver is constructed, before training
// starts. Template placeholders like "{epoch}" may be present; only the
// extension of the last path component matters.
void validate_checkpoint_filename(const std::string& filename);

// Writes `root` to `path` in the format its extension selects. Streams (the
// serialized file is never built in memory), writes to a temporary name in the
// same folder, fsyncs, renames over `path`, fsyncs the folder. On any failure
// nothing new is left under `path` (an existing file stays untouched) and no
// temporary file remains. Tensors are written as CPU tensors; views that share
// a storage keep sharing it. Returns the number of bytes of the final file.
// Throws ConfigError for an unsupported extension, CheckpointError otherwise.
uint64_t write_checkpoint(const c10::IValue& root, const std::string& path);

// Reads a checkpoint written by write_checkpoint, in any supported format,
// detected from the file's content (magic bytes), not its name. Throws
// cairn::CheckpointError with one line naming the path for a missing, empty,
// truncated or foreign file.
c10::IValue read_checkpoint(const std::string& path);
// The same, naming the checkpoint `name` in errors: what the user asked for
// ("s3://bucket/ep1.pt") when `path` is a downloaded copy.
c10::IValue read_checkpoint(const std::string& path, const std::string& name);

}  // namespace cairn::checkpoint
