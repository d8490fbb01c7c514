#include "checkpoint/pickle/numpy_objects.h"

#include <ATen/ATen.h>

#include <cstring>

#include "checkpoint/pickle/pickle_fault.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/pickle/tensor_rebuild.h"

namespace cairn::checkpoint::pickle {
namespace {

struct NumpyType {
  const char* code;   // numpy's kind + item size
  const char* name;   // numpy's dtype name
  c10::ScalarType stored;  // raw bytes as loaded
  c10::ScalarType widened;  // what the data tensor holds: uint32 has no torch dtype
};
constexpr NumpyType kNumpyTypes[] = {
    {"b1", "bool", c10::kBool, c10::kBool},         {"i1", "int8", c10::kChar, c10::kChar},
    {"u1", "uint8", c10::kByte, c10::kByte},        {"i2", "int16", c10::kShort, c10::kShort},
    {"u2", "uint16", c10::kShort, c10::kInt},       {"i4", "int32", c10::kInt, c10::kInt},
    {"u4", "uint32", c10::kInt, c10::kLong},        {"i8", "int64", c10::kLong, c10::kLong},
    {"f2", "float16", c10::kHalf, c10::kHalf},      {"f4", "float32", c10::kFloat, c10::kFloat},
    {"f8", "float64", c10::kDouble, c10::kDouble},
};

const NumpyType* by_code(const std::string& code) {
  for (const auto& t : kNumpyTypes)
    if (code == t.code) return &t;
  return nullptr;
}
const NumpyType* by_name(const std::string& name) {
  for (const auto& t : kNumpyTypes)
    if (name == t.name) return &t;
  return nullptr;
}

c10::impl::GenericDict as_dict(const c10::IValue& v) { return v.toGenericDict(); }

}  // namespace

c10::IValue numpy_dtype(const c10::IValue& args) {
  const auto a = tuple_args(args, 1, 3, "numpy.dtype");
  if (!a[0].isString()) throw PickleFault("numpy.dtype is given a spec that is not a string");
  const NumpyType* t = by_code(a[0].toStringRef());
  if (t == nullptr) throw PickleFault("numpy dtype '" + a[0].toStringRef() + "' is not supported");
  auto d = make_pickled("numpy.dtype", "dtype");
  d.insert("dtype", t->name);
  d.insert("byteorder", "=");
  return d;
}

c10::IValue numpy_reconstruct(const c10::IValue& args) {
  const auto a = tuple_args(args, 3, 3, "numpy.core.multiarray._reconstruct");
  if (pickled_class(a[0]).value_or("") != "numpy.ndarray") throw PickleFault("_reconstruct builds something other than an ndarray");
  auto d = make_pickled("numpy.ndarray", "ndarray");
  d.insert("dtype", c10::IValue());
  d.insert("shape", c10::IValue());
  d.insert("data", c10::IValue());
  return d;
}

c10::IValue numpy_scalar(const c10::IValue& args) {
  const auto a = tuple_args(args, 2, 2, "numpy.core.multiarray.scalar");
  if (pickled_kind(a[0]) != "dtype" || !a[1].isString()) throw PickleFault("numpy scalar has no dtype or bytes");
  const NumpyType* t = by_name(a[0].toGenericDict().at("dtype").toStringRef());
  const std::string& raw = a[1].toStringRef();
  if (t == nullptr || raw.size() != c10::elementSize(t->stored)) throw PickleFault("numpy scalar's bytes do not fit its dtype");
  at::Tensor one = at::empty({1}, at::TensorOptions().dtype(t->stored));
  std::memcpy(one.data_ptr(), raw.data(), raw.size());
  if (t->widened != t->stored) one = one.to(t->widened);  // unsigned: see below
  if (std::string(t->name) == "uint32") one = one.bitwise_and(int64_t{0xffffffff});
  if (std::string(t->name) == "uint16") one = one.bitwise_and(int64_t{0xffff});
  if (one.is_floating_point()) return one.item<double>();
  if (one.scalar_type() == c10::kBool) return one.item<bool>();
  return one.item<int64_t>();
}

void build_numpy(const c10::IValue& target, const c10::IValue& state, const PickleLimits& limits) {
  auto d = as_dict(target);
  if (pickled_kind(target) == "dtype") {
    const auto s = tuple_args(state, 2, 9, "numpy dtype state");
    if (!s[1].isString()) throw PickleFault("numpy dtype state has no byte order");
    const std::string& order = s[1].toStringRef();
    if (order == ">") throw PickleFault("big-endian numpy arrays are not supported");
    d.insert_or_assign("byteorder", order);
    return;
  }
  const auto s = tuple_args(state, 5, 5, "numpy array state");
  if (pickled_kind(s[2]) != "dtype") throw PickleFault("numpy array state has no dtype");
  const auto dtype = s[2].toGenericDict();
  if (dtype.at("byteorder").toStringRef() == ">") throw PickleFault("big-endian numpy arrays are not supported");
  const NumpyType* t = by_name(dtype.at("dtype").toStringRef());
  std::vector<int64_t> shape;
  uint64_t count = 1;
  if (!s[1].isTuple()) throw PickleFault("numpy array shape is not a tuple");
  for (const auto& n : s[1].toTupleRef().elements()) {
    if (!n.isInt() || n.toInt() < 0 || uint64_t(n.toInt()) > limits.max_elements) throw PickleFault("numpy array has a bad shape");
    shape.push_back(n.toInt());
    count *= uint64_t(n.toInt());
    if (count > limits.max_elements) throw PickleFault("numpy array has too many elements");
  }
  if (!s[4].isString()) throw PickleFault("numpy array data is not bytes (object arrays are not supported)");
  const std::string& raw = s[4].toStringRef();
  if (t == nullptr || raw.size() != count * c10::elementSize(t->stored)) {
    throw PickleFault("numpy array data holds " + std::to_string(raw.size()) + " bytes, not what its shape and dtype need");
  }
  if (s[3].isBool() && s[3].toBool() && shape.size() > 1) throw PickleFault("Fortran-ordered numpy arrays are not supported");
  at::Tensor data = at::empty(shape, at::TensorOptions().dtype(t->stored));
  if (!raw.empty()) std::memcpy(data.data_ptr(), raw.data(), raw.size());
  if (t->widened != t->stored) {
    data = data.to(t->widened).bitwise_and(std::string(t->name) == "uint32" ? int64_t{0xffffffff} : int64_t{0xffff});
  }
  d.insert_or_assign("dtype", t->name);
  d.insert_or_assign("shape", c10::ivalue::Tuple::create(std::vector<c10::IValue>(shape.begin(), shape.end())));
  d.insert_or_assign("data", data);
}

}  // namespace cairn::checkpoint::pickle
