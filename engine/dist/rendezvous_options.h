// What one process needs to join a multi-process job: where the rendezvous
// store is, its place in the job, and how long to wait for the others.
//
// Read from the variables torchrun (and Composer's launcher) set: RANK,
// WORLD_SIZE, MASTER_ADDR, MASTER_PORT, and under torchrun's agent store
// TORCHELASTIC_USE_AGENT_STORE and TORCHELASTIC_RESTART_COUNT.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace cairn::dist {

// Composer's `dist_timeout` default (composer/trainer/trainer.py): 300 s.
constexpr std::chrono::milliseconds kDefaultDistTimeout{300'000};

struct RendezvousOptions {
  int rank = 0;
  int world_size = 1;
  // Empty and 0 in a world of one, which needs no network.
  std::string master_addr;
  uint16_t master_port = 0;
  // Bounds the store's connect and every collective (Composer's dist_timeout).
  std::chrono::milliseconds timeout = kDefaultDistTimeout;
  // torchrun's agent hosts the store: every rank is a client, and keys live
  // under "/worker/attempt_<restart count>" as Python's env:// puts them.
  bool agent_store = false;
  std::string restart_count = "0";

  bool single_process() const { return world_size == 1; }
  std::string store_prefix() const { return "/worker/attempt_" + restart_count; }

  // From the environment; ConfigError with one line naming the variable
  // and what to set when the job is described incompletely or wrongly.
  static RendezvousOptions from_environment(std::chrono::milliseconds timeout = kDefaultDistTimeout);
};

// `seconds` (Composer's dist_timeout, a float) as a timeout; ConfigError when
// it is not a positive finite number.
std::chrono::milliseconds dist_timeout_from_seconds(double seconds);

}  // namespace cairn::dist
