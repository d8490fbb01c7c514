// Test plugin "test_throws": registers a store, then throws from register_fn.
// The host must roll the store back and record the exception's text.
#include <stdexcept>

#include "cairn/plugin.h"

namespace {
void register_then_throw(cairn::Registrar& registrar) {
  registrar.add_object_store("partial_store", {"partial"}, nullptr, "never committed");
  throw std::runtime_error("test_throws cannot find its settings file");
}
}  // namespace

CAIRN_PLUGIN("test_throws", "0.0.1", "A plugin whose registration fails", register_then_throw)
