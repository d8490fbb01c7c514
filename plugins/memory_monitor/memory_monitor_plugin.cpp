// Callback plugin "MemoryMonitor", after Composer's MemoryMonitor.
//
// Composer's reports CUDA allocator statistics at AFTER_TRAIN_BATCH. This
// LibTorch build has no CUDA, so only what exists is reported, at the same
// event, in gigabytes (1e9 bytes) as Composer reports:
//   memory/host/rss_mem       the process's resident set (VmRSS)
//   memory/host/peak_rss_mem  its high-water mark (VmHWM)
// read from /proc/self/status. No state.
#include <fstream>
#include <map>
#include <sstream>

#include "cairn/callback.h"
#include "cairn/config.h"
#include "cairn/logger.h"
#include "cairn/plugin.h"
#include "cairn/state.h"

namespace {

// "VmRSS:     123456 kB" -> bytes, for each requested field present.
std::map<std::string, double> read_proc_status_bytes() {
  std::map<std::string, double> fields;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    if (key != "VmRSS" && key != "VmHWM") continue;
    std::istringstream value(line.substr(colon + 1));
    double amount = 0;
    std::string unit;
    if (value >> amount >> unit && unit == "kB") fields[key] = amount * 1024.0;
  }
  return fields;
}

class MemoryMonitor : public cairn::Callback {
 public:
  void on_event(cairn::Event event, cairn::State& state) override {
    if (event == cairn::Event::FIT_START && read_proc_status_bytes().size() != 2) {
      state.logger->warn("MemoryMonitor: /proc/self/status has no VmRSS/VmHWM on this system; nothing will be logged");
    }
    if (event != cairn::Event::AFTER_TRAIN_BATCH) return;
    const auto fields = read_proc_status_bytes();
    std::map<std::string, double> metrics;
    if (auto it = fields.find("VmRSS"); it != fields.end()) metrics["memory/host/rss_mem"] = it->second / 1e9;
    if (auto it = fields.find("VmHWM"); it != fields.end()) metrics["memory/host/peak_rss_mem"] = it->second / 1e9;
    if (!metrics.empty()) state.logger->log_metrics(metrics, state.timestamp);
  }
};

void register_memory_monitor(cairn::Registrar& registrar) {
  registrar.add_callback(
      "MemoryMonitor",
      [](const nlohmann::json& json) -> std::unique_ptr<cairn::Callback> {
        cairn::Config("callback 'MemoryMonitor'", json).finish();  // takes no options
        return std::make_unique<MemoryMonitor>();
      },
      "process resident memory in GB (memory/host/rss_mem, memory/host/peak_rss_mem); no options");
  registrar.describe_config("callback", "MemoryMonitor", {});
}

}  // namespace

CAIRN_PLUGIN("memory_monitor", "1.0.0", "Composer's MemoryMonitor: process memory (no CUDA in this build)",
             register_memory_monitor)
