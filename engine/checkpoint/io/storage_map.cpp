#include "checkpoint/io/storage_map.h"

#include <unordered_map>

#include <ATen/ATen.h>

namespace cairn::checkpoint {
namespace {

class StorageMapper {
 public:
  explicit StorageMapper(const StorageReplacer& replace) : replace_(replace) {}

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
    if (!t.defined() || !t.has_storage()) return t;
    const at::Storage& storage = t.storage();
    auto it = replacements_.find(storage.unsafeGetStorageImpl());
    if (it == replacements_.end()) it = replacements_.emplace(storage.unsafeGetStorageImpl(), replace_(t, storage)).first;
    if (it->second.unsafeGetStorageImpl() == storage.unsafeGetStorageImpl()) return t;
    const at::Storage& replacement = it->second;
    at::Tensor out = at::empty({0}, t.options().device(replacement.device()))
                         .set_(replacement, t.storage_offset(), t.sizes(), t.strides());
    if (t.requires_grad()) out.set_requires_grad(true);
    return out;
  }

  const StorageReplacer& replace_;
  std::unordered_map<const void*, at::Storage> replacements_;
};

}  // namespace

c10::IValue map_storages(const c10::IValue& root, const StorageReplacer& replace) {
  return StorageMapper(replace).copy(root);
}

}  // namespace cairn::checkpoint
