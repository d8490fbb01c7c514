// Tensors in a torch.save pickle: the typed storages that persistent ids name,
// ('storage', torch.FloatStorage, '<key>', 'cpu', numel[, None]), and
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter over them.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <ATen/core/ivalue.h>

#include "checkpoint/pickle/pickle_limits.h"
#include "checkpoint/pickle/restricted_unpickler.h"

namespace cairn::checkpoint::pickle {

// One per pickle: a key named twice gives the same storage, so views share it.
class StorageTable {
 public:
  StorageTable(const StorageLookup& lookup, const PickleLimits& limits) : lookup_(lookup), limits_(limits) {}
  // BINPERSID: a 1-D tensor of the storage's dtype over its whole storage.
  // Throws PickleFault for a malformed id or a storage its record cannot back.
  c10::IValue load(const c10::IValue& persistent_id);

 private:
  const StorageLookup& lookup_;
  const PickleLimits& limits_;
  std::map<std::string, c10::Storage> loaded_;
};

// _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]):
// a view, bounds-checked against the storage.
c10::IValue rebuild_tensor_v2(const c10::IValue& args, const PickleLimits& limits);
// _rebuild_parameter(data, requires_grad, hooks): the data tensor.
c10::IValue rebuild_parameter(const c10::IValue& args);

// The scalar type of a storage class ("FloatStorage") or torch dtype name
// ("float32"); nullopt when unknown.
std::optional<c10::ScalarType> storage_scalar_type(const std::string& storage_class);
std::optional<c10::ScalarType> dtype_scalar_type(const std::string& dtype_name);
// The inverse: torch's Python name of a dtype ("float32", as Composer users
// know it); nullopt for one torch.save cannot store.
std::optional<std::string> dtype_python_name(c10::ScalarType type);

// The tuple elements of `args`, which must have `min`..`max` of them.
c10::ArrayRef<c10::IValue> tuple_args(const c10::IValue& args, size_t min, size_t max, const char* what);

}  // namespace cairn::checkpoint::pickle
