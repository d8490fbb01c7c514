// Random number generator state: seeding and capture/restore for checkpoints.
#pragma once

#include <cstdint>

#include <ATen/core/ivalue.h>

namespace cairn {

// Seeds torch's default generators (CPU, and CUDA when present).
void seed_all(uint64_t seed);

// This rank's generator states, as Composer stores one entry of `rng`:
// {"torch": ByteTensor[, "cuda": ByteTensor]}. Python's and NumPy's generators
// do not exist in a C++ process and are not stored.
c10::IValue capture_rng_state();
// Restores what capture_rng_state returned; CheckpointError on a malformed value.
void restore_rng_state(const c10::IValue& state);

// A seed from the operating system's entropy, in [0, 2^32) as Composer's.
uint64_t random_seed();

}  // namespace cairn
