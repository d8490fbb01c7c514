#include "core/event_dispatcher.h"

#include <algorithm>

namespace cairn {

void EventDispatcher::run(Event event, State& state) {
  if (event == Event::INIT) {
    run_callbacks(event, state);
    run_algorithms(event, state);
  } else {
    run_algorithms(event, state);
    run_callbacks(event, state);
  }
}

void EventDispatcher::run_algorithms(Event event, State& state) {
  for (auto& a : algorithms_) {
    if (a.object->match(event, state)) a.object->apply(event, state);
  }
}

void EventDispatcher::run_callbacks(Event event, State& state) {
  for (auto& c : callbacks_) c.object->on_event(event, state);
}

void EventDispatcher::close(State& state) noexcept {
  if (closed_) return;
  closed_ = true;
  for (auto& c : callbacks_) c.object->close(state);
}

std::string unique_instance_name(const std::string& base, const std::vector<std::string>& taken) {
  auto is_taken = [&](const std::string& n) { return std::find(taken.begin(), taken.end(), n) != taken.end(); };
  if (!is_taken(base)) return base;
  for (int i = 2;; ++i) {
    std::string candidate = base + "#" + std::to_string(i);
    if (!is_taken(candidate)) return candidate;
  }
}

}  // namespace cairn
