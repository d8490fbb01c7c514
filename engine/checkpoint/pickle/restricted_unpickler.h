// Cairn's restricted unpickler: reads the data.pkl that Python's torch.save
// and Composer write (pickle protocol 2, and 3 to 5), and Cairn's own
// checkpoints (LibTorch's pickler), without importing or
// calling anything.
//
// Allowed globals are rebuilt as data (allowed_globals.h): tensors from typed
// storages, OrderedDict, set/frozenset, timedelta (as seconds), torch.device,
// torch.Size, dtypes, numpy arrays and dtypes, _codecs.encode, and the typed
// lists and type tags of LibTorch's own pickler (torchscript_containers.h). Every other
// class or function becomes an inert placeholder (pickled_object.h). Hostile
// input is bounded (pickle_limits.h); every refusal is one CheckpointError
// line naming the file and the byte offset in the pickle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <ATen/core/ivalue.h>
#include <c10/core/Storage.h>

#include "checkpoint/pickle/pickle_limits.h"

namespace cairn::checkpoint::pickle {

// The bytes of storage `key` (the archive's data/<key> record), at least
// `nbytes` long. Throws (any std::exception) with a short reason when there is
// no such record or it is shorter; called once per key.
using StorageLookup = std::function<c10::Storage(const std::string& key, uint64_t nbytes)>;

// `name` is what errors call the file. Throws cairn::CheckpointError.
c10::IValue unpickle_restricted(const char* data, size_t size, const StorageLookup& storages, const std::string& name,
                                const PickleLimits& limits = {});

// One pickle of several written back to back (torch.save's legacy format),
// starting at byte `start` of `data`; `end` is set just past its STOP. Byte
// offsets in errors count from the start of `data`.
c10::IValue unpickle_one_of_stream(const char* data, size_t size, size_t start, size_t& end,
                                   const StorageLookup& storages, const std::string& name,
                                   const PickleLimits& limits = {});

}  // namespace cairn::checkpoint::pickle
