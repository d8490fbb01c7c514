// Out-of-line anchors of the core interfaces: their vtables and RTTI live in
// libcairn_sdk_core.so, once per process.
#include "cairn/logger.h"
#include "cairn/logger_destination.h"
#include "cairn/object_store.h"
#include "cairn/registrar.h"

namespace cairn {

Logger::~Logger() = default;
LoggerDestination::~LoggerDestination() = default;
ObjectStore::~ObjectStore() = default;
Registrar::~Registrar() = default;
void Registrar::describe_config(const std::string&, const std::string&, const ConfigSchema&) {}

}  // namespace cairn
