#include "dist/rendezvous_options.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "cairn/dist.h"
#include "cairn/errors.h"

namespace cairn::dist {
namespace {

std::string env_text(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

uint16_t parse_port(const std::string& text) {
  size_t used = 0;
  long port = -1;
  try {
    port = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || port < 1 || port > 65535) {
    throw ConfigError("environment variable MASTER_PORT='" + text +
                      "' is not a TCP port; set MASTER_PORT to a number from 1 to 65535 (the port of rank 0's store)");
  }
  return static_cast<uint16_t>(port);
}

}  // namespace

std::chrono::milliseconds dist_timeout_from_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > 1e9) {
    throw ConfigError("dist_timeout " + std::to_string(seconds) +
                      " is not a positive number of seconds; set it to e.g. 300 (Composer's default)");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
}

RendezvousOptions RendezvousOptions::from_environment(std::chrono::milliseconds timeout) {
  const DistInfo info = DistInfo::from_environment();  // ConfigError on a non-numeric value
  RendezvousOptions options;
  options.timeout = timeout;
  if (info.world_size && *info.world_size == 0) {
    throw ConfigError("environment variable WORLD_SIZE=0 names no process; set WORLD_SIZE to the number of processes");
  }
  options.world_size = info.size();
  if (options.world_size > 1 && !info.rank) {
    throw ConfigError("environment variable WORLD_SIZE=" + std::to_string(options.world_size) +
                      " is set but RANK is not; set RANK to this process's rank (0 to WORLD_SIZE-1)");
  }
  options.rank = info.global_rank();
  if (options.rank >= options.world_size) {
    throw ConfigError("environment variable RANK=" + std::to_string(options.rank) + " is not below WORLD_SIZE=" +
                      std::to_string(options.world_size) + "; set RANK to a number from 0 to WORLD_SIZE-1");
  }
  if (options.single_process()) return options;

  options.master_addr = env_text("MASTER_ADDR");
  if (options.master_addr.empty()) {
    throw ConfigError("environment variable WORLD_SIZE=" + std::to_string(options.world_size) +
                      " is set but MASTER_ADDR is not; set MASTER_ADDR to the host of rank 0 (127.0.0.1 on one machine)");
  }
  const std::string port = env_text("MASTER_PORT");
  if (port.empty()) {
    throw ConfigError("environment variable WORLD_SIZE=" + std::to_string(options.world_size) +
                      " is set but MASTER_PORT is not; set MASTER_PORT to a free TCP port on rank 0's host");
  }
  options.master_port = parse_port(port);
  options.agent_store = env_text("TORCHELASTIC_USE_AGENT_STORE") == "True";
  if (options.agent_store) {
    const std::string restarts = env_text("TORCHELASTIC_RESTART_COUNT");
    options.restart_count = restarts.empty() ? "0" : restarts;
  }
  return options;
}

}  // namespace cairn::dist
