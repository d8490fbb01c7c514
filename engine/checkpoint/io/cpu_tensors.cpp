#include "checkpoint/io/cpu_tensors.h"

#include <ATen/ATen.h>

#include "checkpoint/io/storage_map.h"

namespace cairn::checkpoint {
namespace {

bool holds_non_cpu_tensor(const c10::IValue& v) {
  if (v.isTensor()) return v.toTensor().defined() && !v.toTensor().device().is_cpu();
  if (v.isTensorList()) {
    for (const at::Tensor& t : v.toTensorVector())
      if (t.defined() && !t.device().is_cpu()) return true;
    return false;
  }
  if (v.isList()) {
    for (const c10::IValue& e : v.toListRef())
      if (holds_non_cpu_tensor(e)) return true;
    return false;
  }
  if (v.isTuple()) {
    for (const c10::IValue& e : v.toTupleRef().elements())
      if (holds_non_cpu_tensor(e)) return true;
    return false;
  }
  if (v.isGenericDict()) {
    for (const auto& item : v.toGenericDict())
      if (holds_non_cpu_tensor(item.key()) || holds_non_cpu_tensor(item.value())) return true;
    return false;
  }
  return false;
}

}  // namespace

c10::IValue with_cpu_tensors(const c10::IValue& root) {
  if (!holds_non_cpu_tensor(root)) return root;
  return map_storages(root, [](const at::Tensor& first_view, const at::Storage& storage) {
    if (storage.device().is_cpu()) return storage;
    // Copy the whole storage, not just the view, so other views of it can
    // point into the same CPU storage.
    const int64_t elements = static_cast<int64_t>(storage.nbytes() / first_view.element_size());
    at::Tensor flat = at::empty({0}, first_view.options()).set_(storage, 0, {elements}, {1});
    return flat.to(at::kCPU).storage();
  });
}

}  // namespace cairn::checkpoint
