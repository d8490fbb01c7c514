// Runs events through the enabled algorithms and callbacks in Composer's order:
// at INIT callbacks first, then algorithms; at every other event algorithms
// first (each one whose match() says yes), then callbacks, in the order given.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cairn/algorithm.h"
#include "cairn/callback.h"
#include "trainer/trainer_options.h"

namespace cairn {

class EventDispatcher {
 public:
  void add_callback(Named<Callback> callback) { callbacks_.push_back(std::move(callback)); }
  void add_algorithm(Named<Algorithm> algorithm) { algorithms_.push_back(std::move(algorithm)); }

  void run(Event event, State& state);
  // Closes every callback once; errors are contained by Callback::close's contract.
  void close(State& state) noexcept;

  const std::vector<Named<Callback>>& callbacks() const { return callbacks_; }
  const std::vector<Named<Algorithm>>& algorithms() const { return algorithms_; }

 private:
  void run_algorithms(Event event, State& state);
  void run_callbacks(Event event, State& state);

  std::vector<Named<Callback>> callbacks_;
  std::vector<Named<Algorithm>> algorithms_;
  bool closed_ = false;
};

// Gives every unnamed or repeated entry a stable instance name: the first
// instance keeps `base`, later ones become "<base>#2", "<base>#3".
std::string unique_instance_name(const std::string& base, const std::vector<std::string>& taken);

}  // namespace cairn
