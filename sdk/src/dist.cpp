#include "cairn/dist.h"

#include <cstdlib>
#include <string>

#include "cairn/errors.h"

namespace cairn {
namespace {

std::optional<int> env_int(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  try {
    size_t used = 0;
    int parsed = std::stoi(value, &used);
    if (used == std::string(value).size() && parsed >= 0) return parsed;
  } catch (const std::exception&) {
  }
  throw ConfigError(std::string("environment variable ") + name + "='" + value +
                    "' is not a non-negative integer; unset it or set it to the process's " + name);
}

}  // namespace

DistInfo DistInfo::from_environment() {
  DistInfo info;
  info.rank = env_int("RANK");
  info.local_rank = env_int("LOCAL_RANK");
  info.world_size = env_int("WORLD_SIZE");
  info.local_world_size = env_int("LOCAL_WORLD_SIZE");
  info.node_rank = env_int("NODE_RANK");
  // One process with nothing set is rank 0 of 1, as torchrun would say.
  if (!info.world_size && !info.rank) {
    return single_process();
  }
  return info;
}

DistInfo DistInfo::single_process() {
  DistInfo info;
  info.rank = 0;
  info.local_rank = 0;
  info.world_size = 1;
  info.local_world_size = 1;
  info.node_rank = 0;
  return info;
}

}  // namespace cairn
