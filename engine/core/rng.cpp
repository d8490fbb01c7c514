#include "core/rng.h"

#include <cstring>
#include <mutex>
#include <random>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Functions.h>
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

namespace {

void append_length(std::string& out, uint64_t n) { out.append(reinterpret_cast<const char*>(&n), sizeof n); }

}  // namespace

std::string rng_state_to_bytes(const c10::IValue& state) {
  std::string out;
  for (const auto& entry : state.toGenericDict()) {
    const std::string& name = entry.key().toStringRef();
    const at::Tensor bytes = entry.value().toTensor().contiguous();
    append_length(out, name.size());
    out += name;
    append_length(out, uint64_t(bytes.nbytes()));
    out.append(static_cast<const char*>(bytes.data_ptr()), bytes.nbytes());
  }
  return out;
}

c10::IValue rng_state_from_bytes(const std::string& bytes, const std::string& from) {
  auto d = make_dict();
  size_t at = 0;
  auto take = [&](uint64_t n) {
    if (n > bytes.size() - at) throw CheckpointError("the RNG state from " + from + " is truncated");
    const size_t start = at;
    at += size_t(n);
    return start;
  };
  auto length = [&] {
    uint64_t n = 0;
    std::memcpy(&n, bytes.data() + take(sizeof n), sizeof n);
    return n;
  };
  while (at < bytes.size()) {
    const uint64_t name_length = length();
    const std::string name = bytes.substr(take(name_length), size_t(name_length));
    const uint64_t data_length = length();
    const size_t start = take(data_length);
    at::Tensor state = at::empty({int64_t(data_length)}, at::kByte);
    if (data_length > 0) std::memcpy(state.data_ptr(), bytes.data() + start, size_t(data_length));
    d.insert(name, state);
  }
  return d;
}

uint64_t random_seed() {
  std::random_device device;
  return (uint64_t(device()) << 32 | device()) % (uint64_t(1) << 32);
}

}  // namespace cairn
