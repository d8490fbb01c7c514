#include "core/rng.h"

#include <mutex>
#include <random>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/core/Generator.h>

#include "cairn/errors.h"
#include "cairn/state_dict.h"
#include "core/ivalue_convert.h"
#include "core/one_line.h"

namespace cairn {

void seed_all(uint64_t seed) {
  at::manual_seed(seed);  // CPU and, when initialised, every CUDA device
}

c10::IValue capture_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  at::Tensor cpu_state;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    cpu_state = gen.get_state();
  }
  auto d = make_dict();
  d.insert("torch", cpu_state);
  if (at::hasCUDA()) {
    auto cuda = at::globalContext().defaultGenerator(at::Device(at::kCUDA, 0));
    std::lock_guard<std::mutex> lock(cuda.mutex());
    d.insert("cuda", cuda.get_state());
  }
  return d;
}

void restore_rng_state(const c10::IValue& state) {
  const auto& torch_state = require_key(state, "torch", "rng entry");
  if (!torch_state.isTensor()) throw CheckpointError("rng entry 'torch' is not a tensor; the checkpoint is damaged");
  auto gen = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    try {
      gen.set_state(torch_state.toTensor());
    } catch (const c10::Error& e) {
      throw CheckpointError(std::string("rng entry 'torch' cannot be restored (") + exception_line(e) +
                            "); the checkpoint was written by an incompatible torch, load it with load_ignore_keys=['rng']");
    }
  }
  if (const auto* cuda_state = find_key(state, "cuda"); cuda_state != nullptr && at::hasCUDA()) {
    auto cuda = at::globalContext().defaultGenerator(at::Device(at::kCUDA, 0));
    std::lock_guard<std::mutex> lock(cuda.mutex());
    cuda.set_state(cuda_state->toTensor());
  }
}

uint64_t random_seed() {
  std::random_device device;
  return (uint64_t(device()) << 32 | device()) % (uint64_t(1) << 32);
}

}  // namespace cairn
