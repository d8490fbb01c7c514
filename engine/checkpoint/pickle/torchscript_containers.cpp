#include "checkpoint/pickle/torchscript_containers.h"

#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <ATen/core/jit_type.h>

#include <cctype>
#include <vector>

#include "checkpoint/pickle/pickle_fault.h"
#include "checkpoint/pickle/tensor_rebuild.h"

namespace cairn::checkpoint::pickle {
namespace {

// Type tags are short ("Dict[str, Any]"); a long or deep one is hostile.
constexpr size_t kMaxTagLength = 512;
constexpr int kMaxTagDepth = 16;

class TagParser {
 public:
  explicit TagParser(const std::string& tag) : tag_(tag) {}

  c10::TypePtr parse() {
    c10::TypePtr type = parse_type(0);
    skip_spaces();
    if (at_ != tag_.size()) fail("text after the type");
    return type;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw PickleFault("type tag '" + tag_.substr(0, 60) + "': " + what);
  }

  void skip_spaces() {
    while (at_ < tag_.size() && tag_[at_] == ' ') ++at_;
  }

  bool take(char c) {
    skip_spaces();
    if (at_ < tag_.size() && tag_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  std::string name() {
    skip_spaces();
    const size_t start = at_;
    while (at_ < tag_.size() && (std::isalnum(static_cast<unsigned char>(tag_[at_])) || tag_[at_] == '_')) ++at_;
    if (at_ == start) fail("a type name is missing");
    return tag_.substr(start, at_ - start);
  }

  std::vector<c10::TypePtr> arguments(int depth) {
    std::vector<c10::TypePtr> out;
    if (!take('[')) return out;
    if (take(']')) return out;  // Tuple[]
    do {
      out.push_back(parse_type(depth + 1));
    } while (take(','));
    if (!take(']')) fail("a ']' is missing");
    return out;
  }

  c10::TypePtr parse_type(int depth) {
    if (depth > kMaxTagDepth) fail("nested too deeply");
    const std::string n = name();
    const std::vector<c10::TypePtr> args = arguments(depth);
    auto want = [&](size_t count) {
      if (args.size() != count) fail(n + " takes " + std::to_string(count) + " type(s)");
    };
    if (n == "List") {
      want(1);
      return c10::ListType::create(args[0]);
    }
    if (n == "Dict") {
      want(2);
      return c10::DictType::create(args[0], args[1]);
    }
    if (n == "Optional") {
      want(1);
      return c10::OptionalType::create(args[0]);
    }
    if (n == "Tuple") return c10::TupleType::create(args);
    want(0);
    if (n == "int") return c10::IntType::get();
    if (n == "float") return c10::FloatType::get();
    if (n == "bool") return c10::BoolType::get();
    if (n == "str") return c10::StringType::get();
    if (n == "complex") return c10::ComplexType::get();
    if (n == "Tensor") return c10::TensorType::get();
    if (n == "Any") return c10::AnyType::get();
    if (n == "NoneType" || n == "None") return c10::NoneType::get();
    if (n == "Device") return c10::DeviceObjType::get();
    fail("'" + n + "' is not a type Cairn reads");
  }

  const std::string& tag_;
  size_t at_ = 0;
};

void check_conforms(const c10::IValue& value, const c10::TypePtr& type, const char* what) {
  if (!value.type()->isSubtypeOf(*type)) {
    throw PickleFault(std::string(what) + " holds a " + value.type()->annotation_str() + " where its tag says " +
                      type->annotation_str());
  }
}

// build_intlist((items,)) and friends: the list, its elements typed.
c10::IValue typed_list(const c10::IValue& args, const c10::TypePtr& element, const char* what) {
  const auto a = tuple_args(args, 1, 1, what);
  if (!a[0].isList()) throw PickleFault(std::string(what) + " is given something other than a list");
  c10::List<c10::IValue> list = a[0].toList();
  for (const c10::IValue& item : list) check_conforms(item, element, what);
  list.unsafeSetElementType(element);
  return list;
}

// restore_type_tag((container, tag)): the container, its key/value or
// element types set from the tag.
c10::IValue restore_type_tag(const c10::IValue& args) {
  const auto a = tuple_args(args, 2, 2, "restore_type_tag");
  if (!a[1].isString()) throw PickleFault("restore_type_tag is given a tag that is not a string");
  const c10::TypePtr type = parse_type_tag(a[1].toStringRef());
  const c10::IValue& container = a[0];
  if (container.isGenericDict()) {
    const auto dict_type = type->cast<c10::DictType>();
    if (!dict_type) throw PickleFault("restore_type_tag gives a dict the type " + type->annotation_str());
    c10::impl::GenericDict dict = container.toGenericDict();
    for (const auto& item : dict) {
      check_conforms(item.key(), dict_type->getKeyType(), "a tagged dict");
      check_conforms(item.value(), dict_type->getValueType(), "a tagged dict");
    }
    dict.unsafeSetKeyType(dict_type->getKeyType());
    dict.unsafeSetValueType(dict_type->getValueType());
  } else if (container.isList()) {
    const auto list_type = type->cast<c10::ListType>();
    if (!list_type) throw PickleFault("restore_type_tag gives a list the type " + type->annotation_str());
    c10::List<c10::IValue> list = container.toList();
    for (const c10::IValue& item : list) check_conforms(item, list_type->getElementType(), "a tagged list");
    list.unsafeSetElementType(list_type->getElementType());
  }
  // Anything else keeps the type it has, as in LibTorch's reader.
  return container;
}

}  // namespace

c10::TypePtr parse_type_tag(const std::string& tag) {
  if (tag.size() > kMaxTagLength) throw PickleFault("a type tag of " + std::to_string(tag.size()) + " characters");
  return TagParser(tag).parse();
}

std::optional<c10::IValue> call_torchscript_global(const std::string& qualname, const c10::IValue& args) {
  const std::string prefix = "torch.jit._pickle.";
  if (qualname.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string name = qualname.substr(prefix.size());
  if (name == "build_intlist") return typed_list(args, c10::IntType::get(), "build_intlist");
  if (name == "build_doublelist") return typed_list(args, c10::FloatType::get(), "build_doublelist");
  if (name == "build_boollist") return typed_list(args, c10::BoolType::get(), "build_boollist");
  if (name == "build_tensorlist") return typed_list(args, c10::TensorType::get(), "build_tensorlist");
  if (name == "restore_type_tag") return restore_type_tag(args);
  return std::nullopt;
}

}  // namespace cairn::checkpoint::pickle
