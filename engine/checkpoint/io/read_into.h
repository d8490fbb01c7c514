// Reading a checkpoint's tensors straight into memory that already exists.
//
// On the machines measured, first touching freshly allocated memory costs more
// than reading the file (a 1 GiB read into new memory runs at 0.16–0.29 GiB/s
// whatever the method; into memory already in use, at 0.6–1.1 GiB/s:
// shared/reference/perf-probes). A loader that is about to copy a tensor into
// a model parameter can instead have the record read into the parameter
// itself: the tree it gets back then holds a tensor over the parameter's
// memory, and the copy becomes a no-op.
//
// The checkpoint's pickle is read first, with every tensor's storage still
// unread; the chooser sees each tensor with its path and size before any
// record is read. Records are then read in file order, each checked (CRC-32,
// SHA-256 against the manifest) as it arrives. A record that fails its check
// may have been read into its target partly: a loader that chose targets must
// treat a failed read as leaving them undefined.
#pragma once

#include <functional>
#include <string>

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint {

// For the tensor at `path` in the checkpoint's tree (dict keys and list
// indices joined by '/', as "state/model/fc1.weight"), existing memory to read
// it into: a CPU tensor of the same dtype and sizes, contiguous; or an
// undefined tensor for a fresh allocation. Only tensors that alone use their
// whole storage are offered (a storage shared by two entries is never placed).
using ReadIntoChooser = std::function<at::Tensor(const std::string& path, const at::Tensor& stored)>;

// Makes the unread storages (data pointer null) of `root` that the chooser
// places alias their targets; returns the bytes placed. The rest stay unread.
uint64_t place_storages(const c10::IValue& root, const ReadIntoChooser& choose);

}  // namespace cairn::checkpoint
