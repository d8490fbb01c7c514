#include "checkpoint/io/cpu_tensors.h"

#include <unordered_map>

#include <ATen/ATen.h>

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

class CpuCopier {
 public:
  c10::IValue copy(const c10::IValue& v) {
    if (v.isTensor()) return tensor(v.toTensor());
    if (v.isTensorList()) {
      c10::List<at::Tensor> out;
      for (const at::Tensor& t : v.toTensorVector()) out.push_back(tensor(t));
      return out;
    }
    if (v.isList()) {
      auto list = v.toList();
      c10::impl::GenericList out(list.elementType());
      out.reserve(list.size());
      for (const c10::IValue& e : v.toListRef()) out.push_back(copy(e));
      return out;
    }
    if (v.isTuple()) {
      std::vector<c10::IValue> elements;
      for (const c10::IValue& e : v.toTupleRef().elements()) elements.push_back(copy(e));
      return c10::ivalue::Tuple::create(std::move(elements));
    }
    if (v.isGenericDict()) {
      auto dict = v.toGenericDict();
      c10::impl::GenericDict out(dict.keyType(), dict.valueType());
      out.reserve(dict.size());
      for (const auto& item : dict) out.insert(copy(item.key()), copy(item.value()));
      return out;
    }
    return v;
  }

 private:
  at::Tensor tensor(const at::Tensor& t) {
    if (!t.defined() || t.device().is_cpu()) return t;
    const at::Storage& storage = t.storage();
    auto it = copies_.find(storage.unsafeGetStorageImpl());
    if (it == copies_.end()) {
      // Copy the whole storage, not just the view, so other views of it can
      // point into the same CPU storage.
      const int64_t elements = static_cast<int64_t>(storage.nbytes() / t.element_size());
      at::Tensor flat = at::empty({0}, t.options()).set_(storage, 0, {elements}, {1});
      it = copies_.emplace(storage.unsafeGetStorageImpl(), flat.to(at::kCPU).storage()).first;
    }
    at::Tensor cpu = at::empty({0}, t.options().device(at::kCPU)).set_(it->second, t.storage_offset(), t.sizes(), t.strides());
    if (t.requires_grad()) cpu.set_requires_grad(true);
    return cpu;
  }

  std::unordered_map<const void*, at::Storage> copies_;
};

}  // namespace

c10::IValue with_cpu_tensors(const c10::IValue& root) {
  if (!holds_non_cpu_tensor(root)) return root;
  return CpuCopier().copy(root);
}

}  // namespace cairn::checkpoint
