#include "ivalue_compare.h"

#include <fnmatch.h>

#include <cstring>

#include <ATen/ATen.h>

namespace cairn::test {
namespace {

bool ignored(const std::string& path, const std::vector<std::string>& ignore) {
  for (const auto& g : ignore)
    if (fnmatch(g.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "/" + key; }

std::string key_string(const c10::IValue& k) { return k.isString() ? k.toStringRef() : c10::str(k); }

}  // namespace

std::string first_difference(const c10::IValue& a, const c10::IValue& b, const std::vector<std::string>& ignore,
                             const std::string& path) {
  if (!path.empty() && ignored(path, ignore)) return "";
  const std::string where = path.empty() ? "<root>" : path;
  if (a.tagKind() != b.tagKind()) return where + ": " + a.tagKind() + " vs " + b.tagKind();
  if (a.isTensor()) {
    const at::Tensor x = a.toTensor(), y = b.toTensor();
    if (x.scalar_type() != y.scalar_type()) return where + ": dtype differs";
    if (x.sizes() != y.sizes()) return where + ": shape " + c10::str(x.sizes()) + " vs " + c10::str(y.sizes());
    const at::Tensor xc = x.contiguous(), yc = y.contiguous();
    // An empty tensor's data pointer may be null, which memcmp must not see.
    if (xc.nbytes() != yc.nbytes() ||
        (xc.nbytes() > 0 && std::memcmp(xc.data_ptr(), yc.data_ptr(), xc.nbytes()) != 0)) {
      return where + ": tensor values differ";
    }
    return "";
  }
  if (a.isGenericDict()) {
    const auto da = a.toGenericDict(), db = b.toGenericDict();
    for (const auto& item : da) {
      const std::string p = join(path, key_string(item.key()));
      if (ignored(p, ignore)) continue;
      auto it = db.find(item.key());
      if (it == db.end()) return p + ": missing on the right";
      if (auto d = first_difference(item.value(), it->value(), ignore, p); !d.empty()) return d;
    }
    for (const auto& item : db) {
      const std::string p = join(path, key_string(item.key()));
      if (!ignored(p, ignore) && da.find(item.key()) == da.end()) return p + ": missing on the left";
    }
    return "";
  }
  if (a.isList() || a.isTuple()) {
    const auto la = a.isList() ? a.toListRef().vec() : a.toTupleRef().elements().vec();
    const auto lb = b.isList() ? b.toListRef().vec() : b.toTupleRef().elements().vec();
    if (la.size() != lb.size()) return where + ": length " + std::to_string(la.size()) + " vs " + std::to_string(lb.size());
    for (size_t i = 0; i < la.size(); ++i) {
      if (auto d = first_difference(la[i], lb[i], ignore, join(path, std::to_string(i))); !d.empty()) return d;
    }
    return "";
  }
  if (a.isDouble()) return a.toDouble() == b.toDouble() || (std::isnan(a.toDouble()) && std::isnan(b.toDouble())) ? "" : where + ": " + c10::str(a) + " vs " + c10::str(b);
  if (a.isNone()) return "";
  const bool same = (a.isInt() && a.toInt() == b.toInt()) || (a.isBool() && a.toBool() == b.toBool()) ||
                    (a.isString() && a.toStringRef() == b.toStringRef());
  if (a.isInt() || a.isBool() || a.isString()) return same ? "" : where + ": " + c10::str(a) + " vs " + c10::str(b);
  return where + ": cannot compare " + a.tagKind();
}

}  // namespace cairn::test
