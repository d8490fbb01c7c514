#include "checkpoint/pickle/tensor_rebuild.h"

#include <ATen/ATen.h>

#include "checkpoint/pickle/pickle_fault.h"
#include "checkpoint/pickle/pickled_object.h"
#include "core/one_line.h"

namespace cairn::checkpoint::pickle {
namespace {

struct NamedType {
  const char* storage;
  const char* dtype;
  c10::ScalarType type;
};
constexpr NamedType kTypes[] = {
    {"FloatStorage", "float32", c10::kFloat},       {"DoubleStorage", "float64", c10::kDouble},
    {"HalfStorage", "float16", c10::kHalf},         {"BFloat16Storage", "bfloat16", c10::kBFloat16},
    {"LongStorage", "int64", c10::kLong},           {"IntStorage", "int32", c10::kInt},
    {"ShortStorage", "int16", c10::kShort},         {"CharStorage", "int8", c10::kChar},
    {"ByteStorage", "uint8", c10::kByte},           {"BoolStorage", "bool", c10::kBool},
    {"ComplexFloatStorage", "complex64", c10::kComplexFloat},
    {"ComplexDoubleStorage", "complex128", c10::kComplexDouble},
};

int64_t int_arg(const c10::IValue& v, const char* what) {
  if (!v.isInt()) throw PickleFault(std::string(what) + " is not an integer");
  return v.toInt();
}

std::vector<int64_t> int_tuple(const c10::IValue& v, const char* what) {
  std::vector<int64_t> out;
  c10::ArrayRef<c10::IValue> items;
  if (v.isTuple()) items = v.toTupleRef().elements();
  else if (v.isList()) items = v.toListRef();
  else throw PickleFault(std::string(what) + " is not a tuple of integers");
  for (const auto& item : items) out.push_back(int_arg(item, what));
  return out;
}

}  // namespace

std::optional<c10::ScalarType> storage_scalar_type(const std::string& storage_class) {
  for (const auto& t : kTypes)
    if (storage_class == t.storage) return t.type;
  return std::nullopt;
}

std::optional<c10::ScalarType> dtype_scalar_type(const std::string& dtype_name) {
  for (const auto& t : kTypes)
    if (dtype_name == t.dtype) return t.type;
  return std::nullopt;
}

std::optional<std::string> dtype_python_name(c10::ScalarType type) {
  for (const auto& t : kTypes)
    if (type == t.type) return std::string(t.dtype);
  return std::nullopt;
}

c10::ArrayRef<c10::IValue> tuple_args(const c10::IValue& args, size_t min, size_t max, const char* what) {
  if (!args.isTuple()) throw PickleFault(std::string(what) + " is called with arguments that are not a tuple");
  const c10::ArrayRef<c10::IValue> items = args.toTupleRef().elements();
  if (items.size() < min || items.size() > max) {
    throw PickleFault(std::string(what) + " is called with " + std::to_string(items.size()) + " arguments");
  }
  return items;
}

c10::IValue StorageTable::load(const c10::IValue& persistent_id) {
  // The legacy format adds a sixth element, the view of a storage that was
  // saved as a slice of another (torch 0.3's storage views, long gone).
  const auto id = tuple_args(persistent_id, 5, 6, "a persistent id");
  if (!id[0].isString() || id[0].toStringRef() != "storage") throw PickleFault("a persistent id is not a storage");
  if (id.size() == 6 && !id[5].isNone()) throw PickleFault("a persistent id is a storage view, which is not supported");
  const std::optional<std::string> cls = pickled_class(id[1]);
  const std::string prefix = "torch.";
  std::optional<c10::ScalarType> type;
  if (cls && cls->rfind(prefix, 0) == 0) type = storage_scalar_type(cls->substr(prefix.size()));
  if (!type) throw PickleFault("a persistent id names " + (cls ? "'" + *cls + "'" : std::string("no class")) +
                               ", which is not a torch storage type");
  if (!id[2].isString()) throw PickleFault("a storage key is not a string");
  const std::string& key = id[2].toStringRef();
  const int64_t numel = int_arg(id[4], "a storage's element count");
  if (numel < 0 || uint64_t(numel) > limits_.max_elements) {
    throw PickleFault("storage '" + key + "' declares " + std::to_string(numel) + " elements");
  }
  const uint64_t nbytes = uint64_t(numel) * c10::elementSize(*type);
  auto it = loaded_.find(key);
  if (it == loaded_.end()) {
    c10::Storage storage;
    try {
      storage = lookup_(key, nbytes);
    } catch (const std::exception& e) {
      throw PickleFault("storage '" + key + "': " + exception_line(e));
    }
    it = loaded_.emplace(key, std::move(storage)).first;
  }
  if (it->second.nbytes() < nbytes) {
    throw PickleFault("storage '" + key + "' declares " + std::to_string(nbytes) + " bytes but its record holds " +
                      std::to_string(it->second.nbytes()));
  }
  at::Tensor whole = at::empty({0}, at::TensorOptions().dtype(*type));
  whole.set_(it->second, 0, {numel}, {1});
  return whole;
}

c10::IValue rebuild_tensor_v2(const c10::IValue& args, const PickleLimits& limits) {
  const auto a = tuple_args(args, 6, 7, "torch._utils._rebuild_tensor_v2");
  if (!a[0].isTensor()) throw PickleFault("_rebuild_tensor_v2 is given no storage");
  const at::Tensor& storage = a[0].toTensor();
  const int64_t offset = int_arg(a[1], "a tensor's storage offset");
  const std::vector<int64_t> size = int_tuple(a[2], "a tensor's size");
  const std::vector<int64_t> stride = int_tuple(a[3], "a tensor's stride");
  if (size.size() != stride.size()) throw PickleFault("a tensor's size and stride differ in length");
  const uint64_t available = uint64_t(storage.numel());
  if (offset < 0 || uint64_t(offset) > available) throw PickleFault("a tensor's storage offset is out of its storage");
  // The last element a view touches must lie inside the storage; every count
  // is bounded first so that the products cannot overflow.
  uint64_t extent = 0;
  bool empty = false;
  for (size_t i = 0; i < size.size(); ++i) {
    if (size[i] < 0 || stride[i] < 0 || uint64_t(size[i]) > limits.max_elements ||
        uint64_t(stride[i]) > limits.max_elements) {
      throw PickleFault("a tensor has a negative or huge size or stride");
    }
    if (size[i] == 0) empty = true;
    else extent += uint64_t(size[i] - 1) * uint64_t(stride[i]);
    if (extent > limits.max_elements) throw PickleFault("a tensor's view reaches past its storage");
  }
  if (!empty && uint64_t(offset) + extent + 1 > available) {
    throw PickleFault("a tensor's view needs " + std::to_string(uint64_t(offset) + extent + 1) +
                      " elements but its storage has " + std::to_string(available));
  }
  at::Tensor view = at::empty({0}, storage.options());
  view.set_(storage.storage(), offset, size, stride);
  return view;
}

c10::IValue rebuild_parameter(const c10::IValue& args) {
  const auto a = tuple_args(args, 3, 3, "torch._utils._rebuild_parameter");
  if (!a[0].isTensor()) throw PickleFault("_rebuild_parameter is given no tensor");
  return a[0];
}

}  // namespace cairn::checkpoint::pickle
