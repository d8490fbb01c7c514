// The registry of state_dict hooks from which checkpoints are assembled.
//
// `state` in a checkpoint is built by walking the slots in registration order:
// an *entry* slot stores one hook's state_dict() directly (state/model,
// state/timestamp), a *section* slot stores a dict of named members
// (state/callbacks/<name>). Loading hands each hook back its value.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

#include "cairn/state_dict.h"

namespace cairn {

class Logger;

// A hook made of two functions, for the engine's own parts.
class FunctionHook : public StateDictHook {
 public:
  FunctionHook(std::function<c10::IValue()> save, std::function<void(const c10::IValue&)> load)
      : save_(std::move(save)), load_(std::move(load)) {}
  c10::IValue state_dict() const override { return save_(); }
  void load_state_dict(const c10::IValue& v) override { load_(v); }

 private:
  std::function<c10::IValue()> save_;
  std::function<void(const c10::IValue&)> load_;
};

class StateHooks {
 public:
  void add_entry(const std::string& key, std::shared_ptr<StateDictHook> hook);
  // Declares a section (kept even when empty, so its key is always present).
  void add_section(const std::string& section);
  void add_member(const std::string& section, const std::string& name, std::shared_ptr<StateDictHook> hook);

  // Every slot, in registration order; `only` limits it to those keys.
  c10::impl::GenericDict state_dict(const std::vector<std::string>& only = {}) const;

  // Loads what the checkpoint holds for each slot (except `skip` keys).
  // Members missing from the checkpoint (or left as an empty dict by
  // load_ignore_keys while the live member has state) start fresh, and
  // checkpoint members no hook claims are ignored, each with a warning through
  // `logger` naming the member and its key.
  void load_state_dict(const c10::IValue& state, const std::vector<std::string>& skip, Logger& logger) const;

  bool has_slot(const std::string& key) const;

 private:
  struct Member {
    std::string name;
    std::shared_ptr<StateDictHook> hook;
  };
  struct Slot {
    std::string key;
    std::shared_ptr<StateDictHook> entry;  // null for a section
    std::vector<Member> members;
  };
  Slot& slot(const std::string& key);
  std::vector<Slot> slots_;
};

}  // namespace cairn
