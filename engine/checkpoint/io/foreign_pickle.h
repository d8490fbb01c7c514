// A PyTorch zip whose pickle LibTorch's reader refuses: what Python's
// torch.save and Composer write (OrderedDict, timedelta, numpy RNG state,
// pickled Python objects). Read with Cairn's restricted unpickler
// (checkpoint/pickle), which never executes anything; tensors come from the
// archive's data/<key> records after their sizes are checked against the zip
// directory. Cairn's own checkpoints never get here: LibTorch reads them.
#pragma once

#include <string>

#include <ATen/core/ivalue.h>

namespace caffe2::serialize {
class PyTorchStreamReader;
}

namespace cairn::checkpoint {

// `fd` is the open archive `reader` reads (for its directory); `path` names it
// in errors. Throws CheckpointError with one line naming the file and, for a
// refused pickle, the byte offset.
c10::IValue read_foreign_pickle(caffe2::serialize::PyTorchStreamReader& reader, int fd, const std::string& path);

}  // namespace cairn::checkpoint
