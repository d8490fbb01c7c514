// Random number generator state: seeding and capture/restore for checkpoints.
#pragma once

#include <cstdint>
#include <string>

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

// capture_rng_state's value as bytes, to gather every rank's across the job
// without pickling: each entry's name and raw generator state, length-prefixed.
std::string rng_state_to_bytes(const c10::IValue& state);
// The inverse; CheckpointError naming `from` when the bytes are not such an encoding.
c10::IValue rng_state_from_bytes(const std::string& bytes, const std::string& from);

// A seed from the operating system's entropy, in [0, 2^32) as Composer's.
uint64_t random_seed();

}  // namespace cairn
