// What the callback tests share: the shipped plugins loaded once from the
// build's plugin folder, a destination that records every logged metric, a
// logger that records warnings, and a callback that logs a scripted metric.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cairn/callback.h"
#include "cairn/logger.h"
#include "cairn/destination_callback.h"
#include "cairn/state.h"
#include "fixtures.h"
#include "plugin_host/plugin_host.h"

namespace cairn::test {

// The build's plugin folder, loaded once; a failure to load one of ours fails the test.
const PluginHost& shipped_plugins();
std::shared_ptr<Callback> make_callback(const std::string& name, const nlohmann::json& config = nullptr);

struct LoggedMetrics {
  std::map<std::string, double> metrics;
  Timestamp at;
};

class RecordingDestination : public DestinationCallback {
 public:
  void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) override {
    calls.push_back({metrics, at});
  }
  // Every call that logged `key`, in order.
  std::vector<LoggedMetrics> with(const std::string& key) const;
  std::vector<LoggedMetrics> calls;
};

// Keeps warnings and info for assertions; metrics go nowhere.
class RecordingLogger : public Logger {
 public:
  void log_metrics(const std::map<std::string, double>&, const Timestamp&) override {}
  void info(const std::string& message) override { infos.push_back(message); }
  void warn(const std::string& message) override { warnings.push_back(message); }
  // The warnings that contain every one of `parts`.
  size_t count_warnings(const std::vector<std::string>& parts) const;
  std::vector<std::string> infos, warnings;
};

// At every BATCH_END, sets train_metrics[name] to script[batch - 1] (the last
// value once the script is exhausted), as a metric the run logs. Put it
// before the callbacks that read the metric.
class ScriptedMetric : public Callback {
 public:
  ScriptedMetric(std::string name, std::vector<double> script) : name_(std::move(name)), script_(std::move(script)) {}
  void on_event(Event event, State& state) override;

 private:
  std::string name_;
  std::vector<double> script_;
};

// make_options() without the dummy callback: only what the test adds.
TrainerOptions plain_options(const std::string& max_duration, uint64_t seed = 42);

// The value at a "/"-joined path of a checkpoint tree ("state/callbacks/SpeedMonitor").
const c10::IValue& at_path(const c10::IValue& root, const std::string& path);

}  // namespace cairn::test
