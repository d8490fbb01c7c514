#include "callback_fixture.h"

#include <algorithm>

#include <boost/test/unit_test.hpp>

#include "app/engine_host.h"
#include "core/ivalue_convert.h"

namespace cairn::test {

const PluginHost& shipped_plugins() {
  static PluginHost* host = [] {
    auto* h = new EngineHost();
    h->load_all({CAIRN_SHIPPED_PLUGIN_DIR});
    return h;
  }();
  return *host;
}

std::shared_ptr<Callback> make_callback(const std::string& name, const nlohmann::json& config) {
  return shipped_plugins().make_callback(name, config);
}

std::vector<LoggedMetrics> RecordingDestination::with(const std::string& key) const {
  std::vector<LoggedMetrics> out;
  for (const auto& c : calls)
    if (c.metrics.count(key)) out.push_back(c);
  return out;
}

size_t RecordingLogger::count_warnings(const std::vector<std::string>& parts) const {
  size_t n = 0;
  for (const auto& w : warnings) {
    bool all = true;
    for (const auto& p : parts) all = all && w.find(p) != std::string::npos;
    n += all ? 1 : 0;
  }
  return n;
}

void ScriptedMetric::on_event(Event event, State& state) {
  if (event != Event::BATCH_END || script_.empty()) return;
  const size_t index = std::min(size_t(state.timestamp.batch - 1), script_.size() - 1);
  state.train_metrics[name_] = script_[index];
}

TrainerOptions plain_options(const std::string& max_duration, uint64_t seed) {
  TrainerOptions o = make_options(max_duration, seed);
  o.callbacks.clear();
  return o;
}

const c10::IValue& at_path(const c10::IValue& root, const std::string& path) {
  const c10::IValue* node = &root;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string key = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    node = &require_key(*node, key, path);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return *node;
}

}  // namespace cairn::test
