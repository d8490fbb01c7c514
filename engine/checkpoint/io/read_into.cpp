#include "checkpoint/io/read_into.h"

#include <unordered_map>


namespace cairn::checkpoint {
namespace {

using Visit = std::function<void(const std::string& path, const at::Tensor& tensor)>;

std::string child(const std::string& path, const std::string& name) { return path.empty() ? name : path + "/" + name; }

void each_tensor(const c10::IValue& v, const std::string& path, const Visit& visit) {
  if (v.isTensor()) {
    visit(path, v.toTensor());
  } else if (v.isTensorList()) {
    size_t i = 0;
    for (const at::Tensor& t : v.toTensorVector()) visit(child(path, std::to_string(i++)), t);
  } else if (v.isList()) {
    size_t i = 0;
    for (const c10::IValue& e : v.toListRef()) each_tensor(e, child(path, std::to_string(i++)), visit);
  } else if (v.isTuple()) {
    size_t i = 0;
    for (const c10::IValue& e : v.toTupleRef().elements()) each_tensor(e, child(path, std::to_string(i++)), visit);
  } else if (v.isGenericDict()) {
    for (const auto& item : v.toGenericDict()) {
      const c10::IValue& key = item.key();
      const std::string name = key.isString() ? key.toStringRef() : key.isInt() ? std::to_string(key.toInt()) : "?";
      each_tensor(item.value(), child(path, name), visit);
    }
  }
}

// The target's memory, kept alive for as long as the storage that aliases it.
at::DataPtr aliasing(const at::Tensor& target) {
  auto* keep = new at::Storage(target.storage());
  return at::DataPtr(target.data_ptr(), keep, [](void* p) { delete static_cast<at::Storage*>(p); }, target.device());
}

bool fits(const at::Tensor& target, const at::Tensor& stored) {
  return target.defined() && target.device().is_cpu() && target.scalar_type() == stored.scalar_type() &&
         target.sizes() == stored.sizes() && target.is_contiguous() && target.has_storage() &&
         target.nbytes() == stored.storage().nbytes();
}

}  // namespace

uint64_t place_storages(const c10::IValue& root, const ReadIntoChooser& choose) {
  std::unordered_map<c10::StorageImpl*, int> uses;
  each_tensor(root, "", [&](const std::string&, const at::Tensor& t) {
    if (t.defined() && t.has_storage()) ++uses[t.storage().unsafeGetStorageImpl()];
  });
  uint64_t placed = 0;
  each_tensor(root, "", [&](const std::string& path, const at::Tensor& t) {
    if (!t.defined() || !t.has_storage()) return;
    c10::StorageImpl* storage = t.storage().unsafeGetStorageImpl();
    const bool whole = t.storage_offset() == 0 && t.is_contiguous() && t.nbytes() == storage->nbytes();
    if (storage->data() != nullptr || uses[storage] != 1 || !whole) return;
    const at::Tensor target = choose(path, t);
    if (!fits(target, t)) return;
    storage->set_data_ptr_noswap(aliasing(target));
    placed += storage->nbytes();
  });
  return placed;
}

}  // namespace cairn::checkpoint
