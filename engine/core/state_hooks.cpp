#include "core/state_hooks.h"

#include <algorithm>

#include "cairn/errors.h"
#include "cairn/logger.h"
#include "core/ivalue_convert.h"

namespace cairn {
namespace {

bool is_empty_dict(const c10::IValue& value) { return value.isGenericDict() && value.toGenericDict().empty(); }

}  // namespace

StateHooks::Slot& StateHooks::slot(const std::string& key) {
  for (auto& s : slots_)
    if (s.key == key) return s;
  slots_.push_back(Slot{key, nullptr, {}});
  return slots_.back();
}

bool StateHooks::has_slot(const std::string& key) const {
  return std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.key == key; });
}

void StateHooks::add_entry(const std::string& key, std::shared_ptr<StateDictHook> hook) {
  if (has_slot(key)) throw ConfigError("state key '" + key + "' is registered twice");
  slots_.push_back(Slot{key, std::move(hook), {}});
}

void StateHooks::add_section(const std::string& section) { slot(section); }

void StateHooks::add_member(const std::string& section, const std::string& name, std::shared_ptr<StateDictHook> hook) {
  Slot& s = slot(section);
  if (s.entry) throw ConfigError("state key '" + section + "' is not a section");
  for (const auto& m : s.members) {
    if (m.name == name) throw ConfigError("two " + section + " are both named '" + name + "'; give each a distinct name");
  }
  s.members.push_back(Member{name, std::move(hook)});
}

c10::impl::GenericDict StateHooks::state_dict(const std::vector<std::string>& only) const {
  auto out = make_dict();
  for (const auto& s : slots_) {
    if (!only.empty() && std::find(only.begin(), only.end(), s.key) == only.end()) continue;
    if (s.entry) {
      out.insert(s.key, s.entry->state_dict());
      continue;
    }
    auto section = make_dict();
    for (const auto& m : s.members) section.insert(m.name, m.hook->state_dict());
    out.insert(s.key, section);
  }
  return out;
}

void StateHooks::load_state_dict(const c10::IValue& state, const std::vector<std::string>& skip, Logger& logger) const {
  for (const auto& s : slots_) {
    if (std::find(skip.begin(), skip.end(), s.key) != skip.end()) continue;
    const c10::IValue* value = find_key(state, s.key);
    if (s.entry) {
      if (value == nullptr) {
        logger.warn("the checkpoint has no state/" + s.key + "; it keeps its current value");
        continue;
      }
      s.entry->load_state_dict(*value);
      continue;
    }
    for (const auto& m : s.members) {
      const c10::IValue* member = value == nullptr ? nullptr : find_key(*value, m.name);
      if (member == nullptr) {
        logger.warn("the checkpoint has no state for " + s.key + " '" + m.name + "' (state/" + s.key + "/" + m.name +
                    "); it starts fresh");
        continue;
      }
      // load_ignore_keys such as state/callbacks/SpeedMonitor/* leave an empty
      // dict behind; a plugin that has state then starts fresh instead of
      // being handed nothing.
      if (is_empty_dict(*member) && !is_empty_dict(m.hook->state_dict())) {
        logger.warn("the checkpoint's state for " + s.key + " '" + m.name + "' (state/" + s.key + "/" + m.name +
                    ") is empty (removed by load_ignore_keys?); it starts fresh");
        continue;
      }
      m.hook->load_state_dict(*member);
    }
    if (value != nullptr && value->isGenericDict()) {
      for (const auto& item : value->toGenericDict()) {
        const std::string name = item.key().isString() ? item.key().toStringRef() : c10::str(item.key());
        const bool claimed = std::any_of(s.members.begin(), s.members.end(), [&](const Member& m) { return m.name == name; });
        if (!claimed) {
          logger.warn("the checkpoint holds state for " + s.key + " '" + name + "' (state/" + s.key + "/" + name +
                      ") but no such plugin is enabled; that state is ignored");
        }
      }
    }
  }
}

}  // namespace cairn
