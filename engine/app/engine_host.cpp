#include "app/engine_host.h"

#include "app/builtins.h"

namespace cairn {

EngineHost::EngineHost() { register_engine_builtins(*this); }

}  // namespace cairn
