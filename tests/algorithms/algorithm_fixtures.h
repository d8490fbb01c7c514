// Shared set-up for the algorithm plugin tests: the plugins loaded from the
// build's plugin folder, a callback that records what it sees at an event,
// and a small deterministic model (no dropout) for exact references.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cairn/algorithm.h"
#include "cairn/callback.h"
#include "cairn/state.h"
#include "fixtures.h"

namespace cairn::test {

// An algorithm made by its plugin's factory from the build's plugin folder.
std::shared_ptr<Algorithm> make_algorithm(const std::string& name, const nlohmann::json& config = nullptr);
// The ConfigError message the factory gives for `config`.
std::string algorithm_config_error(const std::string& name, const nlohmann::json& config);

// Calls `on` at every `event` (after the algorithms, as callbacks run).
class EventRecorder : public Callback {
 public:
  EventRecorder(Event event, std::function<void(State&)> on) : event_(event), on_(std::move(on)) {}
  void on_event(Event event, State& state) override {
    if (event == event_) on_(state);
  }

 private:
  Event event_;
  std::function<void(State&)> on_;
};

// Detached clones of the model's parameters and buffers, by name.
std::map<std::string, torch::Tensor> snapshot_weights(const State& state);

// Linear(4, 6) -> tanh -> Linear(6, 3): no randomness in forward, so a
// reference can replay training by hand.
struct PlainNetImpl : torch::nn::Module {
  PlainNetImpl();
  torch::Tensor forward(torch::Tensor x) { return fc2(torch::tanh(fc1(x))); }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(PlainNet);

// make_options() with PlainNet, SGD(lr) and no scheduler.
TrainerOptions plain_options(const std::string& max_duration, double lr = 0.1);

bool tensors_equal(const torch::Tensor& a, const torch::Tensor& b);
bool tensors_close(const torch::Tensor& a, const torch::Tensor& b, double rtol = 1e-5, double atol = 1e-7);

}  // namespace cairn::test
