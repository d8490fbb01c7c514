#include "checkpoint/pickle/container_tracker.h"

#include <ATen/core/Dict.h>

#include <algorithm>

#include "checkpoint/pickle/pickle_fault.h"

namespace cairn::checkpoint::pickle {
namespace {

bool is_container(const c10::IValue& v) { return v.isTuple() || v.isList() || v.isGenericDict(); }

}  // namespace

void ContainerTracker::check(uint32_t d) const {
  if (d > limits_.max_depth) throw PickleFault("containers nest deeper than " + std::to_string(limits_.max_depth) + " levels");
}

ContainerTracker::Node* ContainerTracker::node(const c10::IValue& value) {
  if (!is_container(value)) return nullptr;
  const auto it = nodes_.find(value.internalToPointer());
  if (it != nodes_.end()) return &it->second;
  // Not made by an opcode (a value an allowed global built): its children are
  // tracked values or fresh ones that nest a level or two.
  uint32_t d = 0;
  auto visit = [&](const c10::IValue& child) { d = std::max(d, depth(child)); };
  if (value.isTuple()) {
    for (const auto& c : value.toTupleRef().elements()) visit(c);
  } else if (value.isList()) {
    for (const auto& c : value.toListRef()) visit(c);
  } else {
    for (const auto& e : value.toGenericDict()) {
      visit(e.key());
      visit(e.value());
    }
  }
  check(d + 1);
  Node& n = nodes_[value.internalToPointer()];
  n.keep = value;
  n.depth = d + 1;
  return &n;
}

uint32_t ContainerTracker::depth(const c10::IValue& value) {
  const Node* n = node(value);
  return n == nullptr ? 0 : n->depth;
}

uint32_t ContainerTracker::deepest(const std::vector<c10::IValue>& items) {
  uint32_t d = 0;
  for (const auto& v : items) d = std::max(d, depth(v));
  return d;
}

void ContainerTracker::created(const c10::IValue& value) { (void)node(value); }

void ContainerTracker::insert_into_new(const std::vector<c10::IValue>& items) {
  check(deepest(items) + 1);
  for (const auto& v : items)
    if (Node* n = node(v)) n->sealed = true;
}

void ContainerTracker::insert_into(const c10::IValue& target, const std::vector<c10::IValue>& items) {
  insert_into_new(items);
  const uint32_t inner = deepest(items);
  // Looked up last: a lookup may add nodes, which moves the others.
  Node* t = node(target);
  if (t == nullptr) return;
  if (t->sealed) {
    throw PickleFault("the pickle changes a container after placing it inside another (a self-referencing object?)");
  }
  t->depth = std::max(t->depth, inner + 1);
}

}  // namespace cairn::checkpoint::pickle
