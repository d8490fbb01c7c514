#include "core/ivalue_convert.h"

#include "cairn/errors.h"
#include "cairn/state_dict.h"

namespace cairn {
namespace {

struct Counter {
  const char* key;
  int64_t Timestamp::*field;
  bool required;
};
constexpr Counter kCounters[] = {
    {"iteration", &Timestamp::iteration, false},
    {"epoch", &Timestamp::epoch, true},
    {"batch", &Timestamp::batch, true},
    {"sample", &Timestamp::sample, true},
    {"token", &Timestamp::token, true},
    {"epoch_in_iteration", &Timestamp::epoch_in_iteration, false},
    {"token_in_iteration", &Timestamp::token_in_iteration, false},
    {"batch_in_epoch", &Timestamp::batch_in_epoch, true},
    {"sample_in_epoch", &Timestamp::sample_in_epoch, true},
    {"token_in_epoch", &Timestamp::token_in_epoch, true},
};
struct Clock {
  const char* key;
  double Timestamp::*field;
};
constexpr Clock kClocks[] = {{"total_wct", &Timestamp::total_wct},
                             {"iteration_wct", &Timestamp::iteration_wct},
                             {"epoch_wct", &Timestamp::epoch_wct},
                             {"batch_wct", &Timestamp::batch_wct}};

}  // namespace

c10::IValue timestamp_to_ivalue(const Timestamp& ts) {
  auto dict = make_dict();
  for (const auto& c : kCounters) dict.insert(c.key, ts.*(c.field));
  for (const auto& c : kClocks) dict.insert(c.key, ts.*(c.field));
  return dict;
}

Timestamp timestamp_from_ivalue(const c10::IValue& value, const std::string& where) {
  if (!value.isGenericDict()) throw CheckpointError(where + " is not a dict of timestamp counters");
  Timestamp ts;
  for (const auto& c : kCounters) {
    const c10::IValue* v = find_key(value, c.key);
    if (v == nullptr) {
      if (c.required) throw CheckpointError(where + " has no '" + c.key + "' counter; the checkpoint is damaged");
      continue;
    }
    if (!v->isInt()) throw CheckpointError(where + "/" + c.key + " is not an integer");
    ts.*(c.field) = v->toInt();
  }
  for (const auto& c : kClocks) {
    const c10::IValue* v = find_key(value, c.key);
    if (v != nullptr && (v->isDouble() || v->isInt())) ts.*(c.field) = v->isDouble() ? v->toDouble() : double(v->toInt());
  }
  return ts;
}

const c10::IValue* find_key(const c10::IValue& dict, const std::string& key) {
  if (!dict.isGenericDict()) return nullptr;
  const auto& d = dict.toGenericDict();
  auto it = d.find(key);
  return it == d.end() ? nullptr : &it->value();
}

const c10::IValue& require_key(const c10::IValue& dict, const std::string& key, const std::string& where) {
  const c10::IValue* v = find_key(dict, key);
  if (v == nullptr) throw CheckpointError(where + " has no '" + key + "' entry; the checkpoint is damaged or not a Cairn checkpoint");
  return *v;
}

}  // namespace cairn
