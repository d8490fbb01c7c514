// How a Python object that has no IValue counterpart appears in a checkpoint tree.
//
// The restricted unpickler never imports or calls anything: a class or
// function outside its allowed table becomes an inert dict that records what
// the pickle said about it, so `cairn inspect` can show it and a load can skip
// it. Numpy arrays and dtypes (Composer's RNG state) use the same shape with
// their data decoded. A dict keeps the rest of the engine simple: code that
// walks checkpoints (glob filters, inspect, state hooks) already handles dicts.
//
//   {"__pickled__": "torchmetrics.classification.accuracy.MulticlassAccuracy",
//    "kind": "object", "args": (...), "state": {...}}      a class instantiated
//   {"__pickled__": "torchmetrics.utilities.data.dim_zero_sum", "kind": "reference"}
//   {"__pickled__": "numpy.ndarray", "kind": "ndarray", "dtype": "uint32",
//    "shape": (624,), "data": tensor}      (data widened to a torch dtype: int64)
//   {"__pickled__": "numpy.dtype", "kind": "dtype", "dtype": "uint32", "byteorder": "<"}
#pragma once

#include <optional>
#include <string>

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint::pickle {

inline constexpr const char* kPickledKey = "__pickled__";

// A class or function named by the pickle, not (yet) called.
c10::IValue make_reference(const std::string& qualname);
// An instance of `qualname` built from `args` (REDUCE, NEWOBJ); state is None until BUILD.
c10::IValue make_placeholder(const std::string& qualname, const c10::IValue& args);
// A pickled-object dict of the given kind with no other fields yet.
c10::impl::GenericDict make_pickled(const std::string& qualname, const std::string& kind);

// The qualified name when `value` is one of the dicts above.
std::optional<std::string> pickled_class(const c10::IValue& value);
// Its "kind" ("object", "reference", "ndarray", "dtype"), or "" for other values.
std::string pickled_kind(const c10::IValue& value);

}  // namespace cairn::checkpoint::pickle
