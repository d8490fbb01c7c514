// Which plugins a checkpoint needs, and whether this installation can load
// them: for `cairn inspect`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cairn {
class PluginHost;
}

namespace cairn::cli {

// The registered name an instance was enabled as: "SpeedMonitor#2" -> "SpeedMonitor".
std::string registered_name(const std::string& instance_name);

// Adds report["plugins_needed"]: one entry per callback and algorithm whose
// state the checkpoint holds (report["callbacks"], report["algorithms"]):
//   {"kind": "callback", "instance": "SpeedMonitor#2", "name": "SpeedMonitor",
//    "loadable": true, "plugin": "speed_monitor", "file": "/.../libcairn-speed_monitor.so"}
// "plugin" and "file" are null when no loaded plugin registers that name.
// Then one entry per plugin the run had loaded (report["metadata"]["plugins"]):
//   {"kind": "plugin", "instance": "mlp", "name": "mlp", "version": "1.0.0",
//    "loadable": true, "installed_version": "1.0.0", "plugin": "mlp", "file": "..."}
void add_plugins_needed(nlohmann::json& report, const PluginHost& host);

}  // namespace cairn::cli
