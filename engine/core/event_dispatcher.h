// Runs events through the enabled algorithms and callbacks in the order
// Composer's Engine.run_event uses (documented in sdk/include/cairn/event.h):
//   INIT:        logger destinations, other callbacks, then algorithms;
//   every other: algorithms (each whose match() says yes; in reverse order at
//                the "after" events, so they unwind like a stack), other
//                callbacks, then logger destinations.
// Within each group the order is the order given.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cairn/algorithm.h"
#include "cairn/callback.h"
#include "core/named.h"

namespace cairn {

// Composer's _AFTER_EVENTS: the events at which algorithms run last-in first-out.
bool is_after_event(Event event);

class EventDispatcher {
 public:
  void add_callback(Named<Callback> callback);
  void add_algorithm(Named<Algorithm> algorithm) { algorithms_.push_back(std::move(algorithm)); }
  // Runs before the first algorithm applies at an event. Algorithms may change
  // the model and the optimizer state at any event (EMA swaps weights at
  // BATCH_START), so whatever reads that state in the background (an
  // asynchronous save's lazy snapshot) finishes reading here.
  void set_before_algorithms(std::function<void(State&)> hook) { before_algorithms_ = std::move(hook); }

  void run(Event event, State& state);
  // Closes every callback once, in the order given; errors are contained by
  // Callback::close's contract.
  void close(State& state) noexcept;

  const std::vector<Named<Callback>>& callbacks() const { return callbacks_; }
  const std::vector<Named<Algorithm>>& algorithms() const { return algorithms_; }

 private:
  void run_algorithms(Event event, State& state);
  // Runs the callbacks that are (or are not) LoggerDestinations.
  void run_callbacks(Event event, State& state, bool destinations);

  std::vector<Named<Callback>> callbacks_;
  std::vector<bool> is_destination_;  // parallel to callbacks_
  std::vector<Named<Algorithm>> algorithms_;
  std::function<void(State&)> before_algorithms_;
  bool closed_ = false;
};

// Gives every unnamed or repeated entry a stable instance name: the first
// instance keeps `base`, later ones become "<base>#2", "<base>#3".
std::string unique_instance_name(const std::string& base, const std::vector<std::string>& taken);

}  // namespace cairn
