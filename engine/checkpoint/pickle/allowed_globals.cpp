#include "checkpoint/pickle/allowed_globals.h"

#include <ATen/core/Dict.h>
#include <c10/core/Device.h>

#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "checkpoint/pickle/numpy_objects.h"
#include "checkpoint/pickle/pickle_fault.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/pickle/tensor_rebuild.h"
#include "checkpoint/pickle/torchscript_containers.h"

namespace cairn::checkpoint::pickle {
namespace {

using Rebuild = std::function<c10::IValue(const c10::IValue& args, const PickleLimits& limits)>;

// OrderedDict() or OrderedDict([(k, v), ...]); SETITEMS fills the first form.
c10::IValue ordered_dict(const c10::IValue& args, const PickleLimits&) {
  const auto a = tuple_args(args, 0, 1, "collections.OrderedDict");
  c10::impl::GenericDict d(c10::AnyType::get(), c10::AnyType::get());
  if (a.empty() || a[0].isNone()) return d;
  if (!a[0].isList()) throw PickleFault("OrderedDict is given items that are not a list");
  for (const auto& pair : a[0].toListRef()) {
    if (!pair.isTuple() || pair.toTupleRef().elements().size() != 2) throw PickleFault("OrderedDict item is not a pair");
    insert_dict_item(d, pair.toTupleRef().elements()[0], pair.toTupleRef().elements()[1]);
  }
  return d;
}

// Python sets have no IValue: a list of the items, in pickle order.
c10::IValue set_items(const c10::IValue& args, const PickleLimits&) {
  const auto a = tuple_args(args, 0, 1, "set");
  c10::impl::GenericList items(c10::AnyType::get());
  if (a.empty()) return items;
  if (a[0].isList()) {
    for (const auto& v : a[0].toListRef()) items.push_back(v);
  } else if (a[0].isTuple()) {
    for (const auto& v : a[0].toTupleRef().elements()) items.push_back(v);
  } else {
    throw PickleFault("set is given items that are not a list");
  }
  return items;
}

double number(const c10::IValue& v, const char* what) {
  if (v.isInt()) return double(v.toInt());
  if (v.isDouble()) return v.toDouble();
  throw PickleFault(std::string(what) + " is not a number");
}

// timedelta(days, seconds, microseconds) as seconds, the unit of Cairn's wall clocks.
c10::IValue timedelta(const c10::IValue& args, const PickleLimits&) {
  const auto a = tuple_args(args, 0, 3, "datetime.timedelta");
  const double parts[3] = {a.size() > 0 ? number(a[0], "timedelta days") : 0.0,
                           a.size() > 1 ? number(a[1], "timedelta seconds") : 0.0,
                           a.size() > 2 ? number(a[2], "timedelta microseconds") : 0.0};
  return parts[0] * 86400.0 + parts[1] + parts[2] * 1e-6;
}

c10::IValue device(const c10::IValue& args, const PickleLimits&) {
  const auto a = tuple_args(args, 1, 2, "torch.device");
  if (!a[0].isString()) throw PickleFault("torch.device is given a name that is not a string");
  std::string spec = a[0].toStringRef();
  if (a.size() == 2 && a[1].isInt()) spec += ":" + std::to_string(a[1].toInt());
  try {
    return c10::Device(spec);
  } catch (const std::exception&) {
    throw PickleFault("torch.device '" + spec.substr(0, 40) + "' is not a device");
  }
}

c10::IValue size(const c10::IValue& args, const PickleLimits&) {
  const auto a = tuple_args(args, 0, 1, "torch.Size");
  if (a.empty()) return c10::ivalue::Tuple::create(std::vector<c10::IValue>{});
  if (a[0].isTuple()) return a[0];
  if (a[0].isList()) return c10::ivalue::Tuple::create(a[0].toListRef().vec());
  throw PickleFault("torch.Size is given something other than a tuple");
}

// _codecs.encode(text, 'latin1'): how protocol 2 spells bytes. IValue strings
// hold bytes, so the result is a string of the encoded bytes.
c10::IValue codecs_encode(const c10::IValue& args, const PickleLimits&) {
  const auto a = tuple_args(args, 1, 2, "_codecs.encode");
  if (!a[0].isString()) throw PickleFault("_codecs.encode is given something other than text");
  const std::string encoding = a.size() > 1 && a[1].isString() ? a[1].toStringRef() : "utf-8";
  const std::string& text = a[0].toStringRef();
  if (encoding == "utf-8" || encoding == "utf8") return text;
  if (encoding != "latin1" && encoding != "latin-1") throw PickleFault("_codecs.encode to '" + encoding.substr(0, 20) + "'");
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += char(c);
    } else if ((c == 0xc2 || c == 0xc3) && i + 1 < text.size()) {
      out += char(((c & 0x03) << 6) | (static_cast<unsigned char>(text[++i]) & 0x3f));
    } else {
      throw PickleFault("_codecs.encode: text has a character latin-1 cannot hold");
    }
  }
  return out;
}

// _rebuild_from_type_v2(func, type, args, state): a tensor subclass; the tensor func builds.
c10::IValue rebuild_from_type(const c10::IValue& args, const PickleLimits& limits) {
  const auto a = tuple_args(args, 4, 4, "torch._tensor._rebuild_from_type_v2");
  return call_global(a[0], a[2], limits);
}

const std::map<std::string, Rebuild>& table() {
  static const std::map<std::string, Rebuild> t = {
      {"collections.OrderedDict", ordered_dict},
      {"builtins.set", set_items},
      {"builtins.frozenset", set_items},
      {"__builtin__.set", set_items},
      {"__builtin__.frozenset", set_items},
      {"datetime.timedelta", timedelta},
      {"torch.device", device},
      {"torch.Size", size},
      {"_codecs.encode", codecs_encode},
      {"torch._utils._rebuild_tensor_v2", rebuild_tensor_v2},
      {"torch._utils._rebuild_parameter", [](const c10::IValue& a, const PickleLimits&) { return rebuild_parameter(a); }},
      {"torch._tensor._rebuild_from_type_v2", rebuild_from_type},
      {"numpy.dtype", [](const c10::IValue& a, const PickleLimits&) { return numpy_dtype(a); }},
      {"numpy.core.multiarray._reconstruct", [](const c10::IValue& a, const PickleLimits&) { return numpy_reconstruct(a); }},
      {"numpy._core.multiarray._reconstruct", [](const c10::IValue& a, const PickleLimits&) { return numpy_reconstruct(a); }},
      {"numpy.core.multiarray.scalar", [](const c10::IValue& a, const PickleLimits&) { return numpy_scalar(a); }},
      {"numpy._core.multiarray.scalar", [](const c10::IValue& a, const PickleLimits&) { return numpy_scalar(a); }},
  };
  return t;
}

}  // namespace

c10::IValue resolve_global(const std::string& module, const std::string& name) {
  if (module == "torch" && dtype_scalar_type(name)) return "torch." + name;
  return make_reference(module + "." + name);
}

c10::IValue call_global(const c10::IValue& callable, const c10::IValue& args, const PickleLimits& limits) {
  if (pickled_kind(callable) != "reference") throw PickleFault("REDUCE or NEWOBJ calls something that is not a class or function");
  const std::string qualname = *pickled_class(callable);
  if (!args.isTuple()) throw PickleFault("'" + qualname + "' is called with arguments that are not a tuple");
  if (std::optional<c10::IValue> value = call_torchscript_global(qualname, args)) return *std::move(value);
  const auto it = table().find(qualname);
  if (it == table().end()) return make_placeholder(qualname, args);
  return it->second(args, limits);
}

void insert_dict_item(c10::impl::GenericDict& dict, c10::IValue key, c10::IValue value) {
  // The kinds c10::detail::DictKeyHash accepts.
  const bool hashable = key.isInt() || key.isString() || key.isDouble() || key.isComplexDouble() || key.isBool() ||
                        key.isTensor() || key.isDevice();
  if (!hashable) throw PickleFault("a dict key is a " + std::string(key.tagKind()) + ", which Cairn cannot use as a key");
  dict.insert_or_assign(std::move(key), std::move(value));
}

void build_object(const c10::IValue& target, const c10::IValue& state, const PickleLimits& limits) {
  const std::string kind = pickled_kind(target);
  if (kind == "object") {
    target.toGenericDict().insert_or_assign("state", state);
  } else if (kind == "dtype" || kind == "ndarray") {
    build_numpy(target, state, limits);
  } else if (kind == "reference") {
    throw PickleFault("BUILD on the class or function '" + *pickled_class(target) + "'");
  } else if (!target.isGenericDict() && !target.isTensor()) {
    throw PickleFault("BUILD on a " + std::string(target.tagKind()));
  }
}

}  // namespace cairn::checkpoint::pickle
