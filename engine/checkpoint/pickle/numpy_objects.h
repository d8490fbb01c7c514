// Numpy arrays and dtypes as Composer's RNG state pickles them: the MT19937 key,
// _reconstruct(ndarray, (0,), b'b') then BUILD (1, shape, dtype, fortran, raw bytes),
// the dtype dtype('u4', False, True) then BUILD (3, '<', ...). Decoded into the
// pickled-object dicts of pickled_object.h, the data as a torch tensor.
#pragma once

#include <ATen/core/ivalue.h>

#include "checkpoint/pickle/pickle_limits.h"

namespace cairn::checkpoint::pickle {

// numpy.dtype(spec, align, copy): spec as numpy's short code ("u4", "f8").
c10::IValue numpy_dtype(const c10::IValue& args);
// numpy.core.multiarray._reconstruct(ndarray, shape, typecode): an empty array until BUILD.
c10::IValue numpy_reconstruct(const c10::IValue& args);
// numpy.core.multiarray.scalar(dtype, raw bytes): an int, float or bool.
c10::IValue numpy_scalar(const c10::IValue& args);
// BUILD on a value numpy_dtype or numpy_reconstruct made.
void build_numpy(const c10::IValue& target, const c10::IValue& state, const PickleLimits& limits);

}  // namespace cairn::checkpoint::pickle
