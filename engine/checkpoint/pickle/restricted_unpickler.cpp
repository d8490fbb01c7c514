// The opcode loop. Values live on a stack of IValues with a MARK stack beside
// it and a memo. Containers are tracked (container_tracker.h) so that a tree
// deeper than the limit, or a self-reference, is refused while it is built.
#include "checkpoint/pickle/restricted_unpickler.h"

#include <ATen/core/Dict.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "cairn/errors.h"
#include "checkpoint/pickle/allowed_globals.h"
#include "checkpoint/pickle/container_tracker.h"
#include "checkpoint/pickle/pickle_fault.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/pickle/tensor_rebuild.h"
#include "core/one_line.h"

namespace cairn::checkpoint::pickle {
namespace {

// Longest module or name a GLOBAL may spell (Python's own are far shorter).
constexpr size_t kMaxGlobalLine = 1024;

class Machine {
 public:
  Machine(const char* data, size_t size, size_t start, const StorageLookup& lookup, const PickleLimits& limits)
      : data_(reinterpret_cast<const unsigned char*>(data)), size_(size), at_(start), opcode_at_(start),
        limits_(limits), storages_(lookup, limits), tracker_(limits) {}

  c10::IValue run();
  size_t opcode_offset() const { return opcode_at_; }
  // Just past STOP, once run() has returned.
  size_t end() const { return at_; }

 private:
  // Input.
  const unsigned char* take(uint64_t n) {
    if (n > size_ - at_) {
      throw PickleFault("the pickle ends early: " + std::to_string(n) + " more bytes declared, " +
                        std::to_string(size_ - at_) + " left");
    }
    const unsigned char* p = data_ + at_;
    at_ += size_t(n);
    return p;
  }
  uint64_t little(size_t n) {
    const unsigned char* p = take(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
  }
  std::string bytes(uint64_t n) {
    const unsigned char* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), size_t(n));
  }
  std::string line() {
    const size_t left = size_ - at_;
    const void* nl = std::memchr(data_ + at_, '\n', std::min(left, kMaxGlobalLine));
    if (nl == nullptr) throw PickleFault("a GLOBAL name has no end of line");
    const size_t n = static_cast<const unsigned char*>(nl) - (data_ + at_);
    std::string s = bytes(n);
    take(1);
    return s;
  }

  // Stack.
  void push(c10::IValue v) {
    if (stack_.size() >= limits_.max_stack) throw PickleFault("more than " + std::to_string(limits_.max_stack) + " values on the stack");
    stack_.push_back(std::move(v));
  }
  c10::IValue pop() {
    if (stack_.size() <= floor()) throw PickleFault("an opcode needs a value but the stack is empty");
    c10::IValue v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  c10::IValue& top() {
    if (stack_.size() <= floor()) throw PickleFault("an opcode needs a value but the stack is empty");
    return stack_.back();
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<c10::IValue> pop_mark() {
    if (marks_.empty()) throw PickleFault("an opcode needs a MARK but there is none");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<c10::IValue> items(std::make_move_iterator(stack_.begin() + mark), std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }

  // Memo.
  void memo_put(uint64_t index) {
    if (index >= limits_.max_memo) throw PickleFault("memo index " + std::to_string(index) + " is beyond the limit");
    if (memo_.size() >= limits_.max_memo && memo_.count(index) == 0) throw PickleFault("the memo is full");
    memo_[index] = top();
  }
  void memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) throw PickleFault("memo index " + std::to_string(index) + " was never stored");
    push(it->second);
  }

  // Containers.
  c10::IValue tuple(std::vector<c10::IValue> items) {
    c10::IValue t = c10::ivalue::Tuple::create(std::move(items));
    tracker_.created(t);
    return t;
  }
  void append(c10::IValue& list, std::vector<c10::IValue> items) {
    if (!list.isList()) throw PickleFault("APPEND to a " + std::string(list.tagKind()) + ", not a list");
    tracker_.insert_into(list, items);
    auto l = list.toList();
    for (auto& v : items) l.push_back(std::move(v));
  }
  void set_items(c10::IValue& dict, std::vector<c10::IValue> items) {
    if (!dict.isGenericDict()) throw PickleFault("SETITEM on a " + std::string(dict.tagKind()) + ", not a dict");
    if (items.size() % 2 != 0) throw PickleFault("SETITEMS has a key without a value");
    tracker_.insert_into(dict, items);
    auto d = dict.toGenericDict();
    for (size_t i = 0; i < items.size(); i += 2) {
      if (limits_.object_keys_as_pairs && pickled_class(items[i])) {
        const auto position = static_cast<int64_t>(d.size());
        insert_dict_item(d, position, c10::ivalue::Tuple::create({std::move(items[i]), std::move(items[i + 1])}));
      } else {
        insert_dict_item(d, std::move(items[i]), std::move(items[i + 1]));
      }
    }
  }
  c10::IValue call(const c10::IValue& callable, c10::IValue args) {
    std::vector<c10::IValue> parts = {args};
    tracker_.insert_into_new(parts);
    c10::IValue out = call_global(callable, args, limits_);
    tracker_.created(out);
    return out;
  }

  bool step(unsigned char op);

  const unsigned char* data_;
  size_t size_;
  size_t at_;
  size_t opcode_at_;
  const PickleLimits& limits_;
  StorageTable storages_;
  ContainerTracker tracker_;
  std::vector<c10::IValue> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, c10::IValue> memo_;
};

c10::IValue Machine::run() {
  while (true) {
    opcode_at_ = at_;
    const unsigned char op = *take(1);
    if (!step(op)) break;
  }
  if (stack_.size() != 1 || !marks_.empty()) throw PickleFault("STOP leaves " + std::to_string(stack_.size()) + " values");
  return stack_.back();
}

// One opcode; false at STOP.
bool Machine::step(unsigned char op) {
  switch (op) {
    case 0x80: {  // PROTO
      const unsigned proto = *take(1);
      if (proto > 5) throw PickleFault("pickle protocol " + std::to_string(proto) + " is newer than 5");
      return true;
    }
    case 0x95: take(8); return true;  // FRAME: a length hint only
    case '.': return false;           // STOP
    case 'N': push(c10::IValue()); return true;
    case 0x88: push(true); return true;
    case 0x89: push(false); return true;
    case 'J': push(int64_t(int32_t(uint32_t(little(4))))); return true;  // BININT
    case 'K': push(int64_t(little(1))); return true;
    case 'M': push(int64_t(little(2))); return true;
    case 0x8a:    // LONG1
    case 0x8b: {  // LONG4
      const uint64_t n = little(op == 0x8a ? 1 : 4);
      const unsigned char* p = take(n);
      // Two's complement, little-endian; only what fits in 64 bits.
      uint64_t v = 0;
      for (size_t i = 0; i < std::min<uint64_t>(n, 8); ++i) v |= uint64_t(p[i]) << (8 * i);
      if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t{0} << (8 * n);
      for (uint64_t i = 8; i < n; ++i) {
        if (p[i] != ((p[7] & 0x80) ? 0xff : 0x00)) throw PickleFault("an integer is wider than 64 bits");
      }
      push(int64_t(v));
      return true;
    }
    case 'G': {  // BINFLOAT, big-endian
      const unsigned char* p = take(8);
      uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
      double d;
      std::memcpy(&d, &bits, sizeof d);
      push(d);
      return true;
    }
    case 'X': case 'T': case 'B': push(bytes(little(4))); return true;  // BINUNICODE, BINSTRING, BINBYTES
    case 0x8c: case 'U': case 'C': push(bytes(little(1))); return true;  // SHORT_BINUNICODE, SHORT_BINSTRING, SHORT_BINBYTES
    case 0x8d: case 0x8e: case 0x96: push(bytes(little(8))); return true;  // BINUNICODE8, BINBYTES8, BYTEARRAY8
    case ']': case 0x8f: {  // EMPTY_LIST, EMPTY_SET (a set is a list of its items)
      c10::IValue l = c10::impl::GenericList(c10::AnyType::get());
      tracker_.created(l);
      push(std::move(l));
      return true;
    }
    case '}': {
      c10::IValue d = c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get());
      tracker_.created(d);
      push(std::move(d));
      return true;
    }
    case ')': push(tuple({})); return true;
    case '(':
      if (marks_.size() >= limits_.max_marks) throw PickleFault("more than " + std::to_string(limits_.max_marks) + " open MARKs");
      marks_.push_back(stack_.size());
      return true;
    case 't': { auto items = pop_mark(); tracker_.insert_into_new(items); push(tuple(std::move(items))); return true; }
    case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
      const size_t n = op - 0x84;
      std::vector<c10::IValue> items(n);
      for (size_t i = n; i-- > 0;) items[i] = pop();
      tracker_.insert_into_new(items);
      push(tuple(std::move(items)));
      return true;
    }
    case 'l': case 0x91: {  // LIST, FROZENSET
      auto items = pop_mark();
      c10::IValue l = c10::impl::GenericList(c10::AnyType::get());
      tracker_.created(l);
      append(l, std::move(items));
      push(std::move(l));
      return true;
    }
    case 'd': {  // DICT
      auto items = pop_mark();
      c10::IValue d = c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get());
      tracker_.created(d);
      set_items(d, std::move(items));
      push(std::move(d));
      return true;
    }
    case 'a': { c10::IValue v = pop(); append(top(), {std::move(v)}); return true; }
    case 'e': case 0x90: { auto items = pop_mark(); append(top(), std::move(items)); return true; }  // APPENDS, ADDITEMS
    case 's': {
      c10::IValue v = pop();
      c10::IValue k = pop();
      set_items(top(), {std::move(k), std::move(v)});
      return true;
    }
    case 'u': { auto items = pop_mark(); set_items(top(), std::move(items)); return true; }
    case '0': pop(); return true;  // POP
    case '1': pop_mark(); return true;  // POP_MARK
    case '2': push(top()); return true;  // DUP
    case 'q': memo_put(little(1)); return true;
    case 'r': memo_put(little(4)); return true;
    case 0x94: memo_put(memo_.size()); return true;  // MEMOIZE
    case 'h': memo_get(little(1)); return true;
    case 'j': memo_get(little(4)); return true;
    case 'c': {  // GLOBAL
      const std::string module = line();
      const std::string name = line();
      push(resolve_global(module, name));
      return true;
    }
    case 0x93: {  // STACK_GLOBAL
      c10::IValue name = pop();
      c10::IValue module = pop();
      if (!module.isString() || !name.isString()) throw PickleFault("STACK_GLOBAL names are not strings");
      push(resolve_global(module.toStringRef(), name.toStringRef()));
      return true;
    }
    case 'R': case 0x81: {  // REDUCE, NEWOBJ
      c10::IValue args = pop();
      c10::IValue callable = pop();
      push(call(callable, std::move(args)));
      return true;
    }
    case 0x92: {  // NEWOBJ_EX: keyword arguments are kept with the positional ones
      c10::IValue kwargs = pop();
      c10::IValue args = pop();
      c10::IValue callable = pop();
      if (!args.isTuple()) throw PickleFault("NEWOBJ_EX arguments are not a tuple");
      std::vector<c10::IValue> all = args.toTupleRef().elements().vec();
      if (!(kwargs.isGenericDict() && kwargs.toGenericDict().empty())) all.push_back(kwargs);
      tracker_.insert_into_new(all);
      push(call(callable, tuple(std::move(all))));
      return true;
    }
    case 'b': {  // BUILD
      c10::IValue state = pop();
      c10::IValue& target = top();
      std::vector<c10::IValue> parts = {state};
      tracker_.insert_into(target, parts);
      build_object(target, state, limits_);
      return true;
    }
    case 'Q': {  // BINPERSID
      c10::IValue id = pop();
      push(storages_.load(id));
      return true;
    }
    default: {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", op);
      throw PickleFault(std::string("opcode ") + hex +
                        (op >= 0x20 && op < 0x7f ? std::string(" ('") + char(op) + "')" : std::string()) +
                        " is not supported (not a protocol 2-5 pickle, or one that needs Python)");
    }
  }
}

// Runs one pickle from `start`; `what` names it in errors ("its pickle (data.pkl)").
c10::IValue run_reporting(const char* data, size_t size, size_t start, size_t* end, const StorageLookup& storages,
                          const std::string& name, const std::string& what, const PickleLimits& limits) {
  Machine machine(data, size, std::min(start, size), storages, limits);
  const auto refused = [&](const std::string& reason) {
    return CheckpointError("checkpoint '" + name + "' cannot be read: " + what + " is refused at byte " +
                           std::to_string(machine.opcode_offset()) + ": " + reason +
                           "; the file is damaged or was not written by torch.save");
  };
  try {
    c10::IValue root = machine.run();
    if (end) *end = machine.end();
    return root;
  } catch (const PickleFault& e) {
    // A reason may quote the pickle's own text (a type tag, a device name).
    throw refused(one_line(e.what()));
  } catch (const c10::Error& e) {
    throw refused(first_line(e.what_without_backtrace()));
  } catch (const std::bad_alloc&) {
    throw CheckpointError("checkpoint '" + name + "' cannot be read: " + what + " needs more memory than " +
                          "there is at byte " + std::to_string(machine.opcode_offset()) + "; the file is damaged");
  }
}

}  // namespace

c10::IValue unpickle_restricted(const char* data, size_t size, const StorageLookup& storages, const std::string& name,
                                const PickleLimits& limits) {
  return run_reporting(data, size, 0, nullptr, storages, name, "its pickle (data.pkl)", limits);
}

c10::IValue unpickle_one_of_stream(const char* data, size_t size, size_t start, size_t& end,
                                   const StorageLookup& storages, const std::string& name,
                                   const PickleLimits& limits) {
  return run_reporting(data, size, start, &end, storages, name, "its pickle at byte " + std::to_string(start),
                       limits);
}

}  // namespace cairn::checkpoint::pickle
