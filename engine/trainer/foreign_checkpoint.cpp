#include "trainer/foreign_checkpoint.h"

#include "cairn/logger.h"
#include "checkpoint/pickle/pickled_object.h"
#include "core/ivalue_convert.h"

namespace cairn {
namespace {

namespace pickle = checkpoint::pickle;

std::string key_text(const c10::IValue& key) { return key.isString() ? key.toStringRef() : c10::str(key); }

// Pickled Python objects under `value`, as "path (class)".
void python_objects(const c10::IValue& value, const std::string& path, std::vector<std::string>& out) {
  const std::string kind = pickle::pickled_kind(value);
  if (kind == "object") {
    out.push_back(path + " (" + *pickle::pickled_class(value) + ")");
  } else if (value.isGenericDict() && kind.empty()) {
    for (const auto& e : value.toGenericDict()) python_objects(e.value(), path + "/" + key_text(e.key()), out);
  } else if (value.isList() || value.isTuple()) {
    const c10::ArrayRef<c10::IValue> items =
        value.isList() ? value.toListRef() : c10::ArrayRef<c10::IValue>(value.toTupleRef().elements());
    for (size_t i = 0; i < items.size(); ++i) python_objects(items[i], path + "/" + std::to_string(i), out);
  }
}

bool has_python_objects(const c10::IValue& value) {
  std::vector<std::string> found;
  python_objects(value, "", found);
  return !found.empty();
}

}  // namespace

bool is_foreign_checkpoint(const c10::IValue& root) {
  const c10::IValue* state = find_key(root, "state");
  const c10::IValue* metadata = state ? find_key(*state, "metadata") : nullptr;
  if (metadata && find_key(*metadata, "composer_env_info")) return true;
  if (has_python_objects(root)) return true;
  const c10::IValue* rng = find_key(root, "rng");
  if (rng && rng->isList()) {
    for (const auto& entry : rng->toListRef())
      if (find_key(entry, "python") || find_key(entry, "numpy")) return true;
  }
  return false;
}

void adapt_foreign_checkpoint(c10::IValue& state, const c10::IValue* rng_entry,
                              const std::optional<std::string>& run_optimizer, const std::string& name,
                              Logger& logger) {
  if (const c10::IValue* optimizers = find_key(state, "optimizers");
      run_optimizer && optimizers && optimizers->isGenericDict() && optimizers->toGenericDict().size() == 1) {
    auto dict = optimizers->toGenericDict();
    const std::string stored = key_text(dict.begin()->key());
    if (stored != *run_optimizer) {
      const c10::IValue value = dict.begin()->value();
      (void)dict.erase(dict.begin()->key());
      dict.insert(*run_optimizer, value);
      logger.info("the checkpoint's optimizer state '" + stored + "' (state/optimizers/" + stored +
                  ") is loaded into this run's " + *run_optimizer);
    }
  }
  std::vector<std::string> skipped;
  python_objects(state, "state", skipped);
  if (rng_entry && rng_entry->isGenericDict()) {
    for (const auto& e : rng_entry->toGenericDict()) {
      const std::string key = key_text(e.key());
      if (key != "torch" && key != "cuda") skipped.push_back("rng/" + key + " (Python's generator state)");
    }
  }
  if (skipped.empty()) return;
  std::string list;
  for (const auto& s : skipped) list += (list.empty() ? "" : ", ") + s;
  logger.warn("checkpoint '" + name + "' was written by Python; what has no counterpart in Cairn is skipped: " + list);
}

}  // namespace cairn
