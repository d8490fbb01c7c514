#include "plugin_host/builtins.h"

#include "cairn/registrar.h"
#include "plugin_host/plugin_host.h"
#include "store/local_store.h"

namespace cairn {

void register_engine_builtins(PluginHost& host) {
  host.add_builtin("builtin", "Factories compiled into the Cairn engine", [](Registrar& registrar) {
    registrar.add_object_store("local", {"file"}, &LocalStore::create,
                               "a folder on this machine: file:///abs/path or {\"root\": \"/abs/path\"}");
  });
}

}  // namespace cairn
