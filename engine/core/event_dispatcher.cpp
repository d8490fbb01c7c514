#include "core/event_dispatcher.h"

#include <algorithm>


namespace cairn {

bool is_after_event(Event event) {
  switch (event) {
    case Event::AFTER_LOAD:
    case Event::EPOCH_END:
    case Event::BATCH_END:
    case Event::AFTER_DATALOADER:
    case Event::AFTER_TRAIN_BATCH:
    case Event::AFTER_FORWARD:
    case Event::AFTER_LOSS:
    case Event::AFTER_BACKWARD:
    case Event::FIT_END:
    case Event::EVAL_AFTER_FORWARD:
    case Event::EVAL_BATCH_END:
    case Event::EVAL_END:
    case Event::EVAL_AFTER_ALL:
      return true;
    default:
      return false;
  }
}

void EventDispatcher::add_callback(Named<Callback> callback) {
  is_destination_.push_back(callback.object->as_logger_destination() != nullptr);
  callbacks_.push_back(std::move(callback));
}

void EventDispatcher::run(Event event, State& state) {
  if (event == Event::INIT) {
    // Destinations first so they are ready before anything logs to them.
    run_callbacks(event, state, true);
    run_callbacks(event, state, false);
    run_algorithms(event, state);
  } else {
    // Callbacks see the state as the algorithms left it; destinations last so
    // that what other callbacks logged at this event has reached them.
    run_algorithms(event, state);
    run_callbacks(event, state, false);
    run_callbacks(event, state, true);
  }
}

void EventDispatcher::run_algorithms(Event event, State& state) {
  std::vector<Algorithm*> matched;
  for (auto& a : algorithms_) {
    if (a.object->match(event, state)) matched.push_back(a.object.get());
  }
  // Undo-style pairs: A, B at BEFORE_LOSS, then B, A at AFTER_LOSS.
  if (is_after_event(event)) std::reverse(matched.begin(), matched.end());
  if (!matched.empty() && before_algorithms_) before_algorithms_(state);
  for (Algorithm* a : matched) a->apply(event, state);
}

void EventDispatcher::run_callbacks(Event event, State& state, bool destinations) {
  for (size_t i = 0; i < callbacks_.size(); ++i) {
    if (is_destination_[i] == destinations) callbacks_[i].object->on_event(event, state);
  }
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
