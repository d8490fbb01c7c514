// The object a PyTorch zip archive holds, read with Cairn's restricted
// unpickler (checkpoint/pickle), which never executes anything and checks every
// declared size before it allocates: what Cairn writes (LibTorch's pickler),
// and what Python's torch.save and Composer write (OrderedDict, timedelta,
// numpy RNG state, pickled Python objects as placeholders). Tensors come from
// the archive's data/<key> records after their sizes are checked against the
// zip directory. LibTorch's own unpickler is not used: it trusts the lengths a
// pickle declares (a 2 GB string costs 2 GB before the read fails).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <ATen/core/ivalue.h>

#include "checkpoint/io/file_span.h"
#include "checkpoint/io/read_into.h"

namespace caffe2::serialize {
class PyTorchStreamReader;
}

namespace cairn::checkpoint {

// `zip` is the archive `reader` reads (for its directory); `path` names it
// in errors. Throws CheckpointError with one line naming the file and, for a
// refused pickle, the byte offset.
c10::IValue unpickle_archive(caffe2::serialize::PyTorchStreamReader& reader, const FileSpan& zip,
                             const std::string& path);

// Reads `size` bytes at `pos` of the archive; returns the bytes read (fewer
// when the file ends or a record fails its check).
using ArchiveReadAt = std::function<size_t(uint64_t pos, void* buf, size_t size)>;

// The same, with the tensors' records read only after the whole pickle, in
// file order, into memory `choose` picks or fresh memory (read_into.h).
// Stored records go through `read_at`; compressed ones through `reader`.
c10::IValue unpickle_archive_into(caffe2::serialize::PyTorchStreamReader& reader, const FileSpan& zip,
                                  const std::string& path, const ArchiveReadAt& read_at, const ReadIntoChooser& choose);

}  // namespace cairn::checkpoint
