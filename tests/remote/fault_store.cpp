#include "fault_store.h"

#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/registrar.h"
#include "store/local_store.h"

namespace cairn::test {
namespace {

// A fixed, well-mixed number in [0, 100) for (name, attempt): std::hash of
// similar strings is not mixed enough to act as a coin (MurmurHash3's finaliser).
uint64_t percentile(const std::string& name, int attempt) {
  uint64_t x = std::hash<std::string>{}(name + "#" + std::to_string(attempt));
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x % 100;
}

class FaultyStore : public LocalStore {
 public:
  explicit FaultyStore(std::shared_ptr<FaultPlan> plan) : LocalStore(plan->root), plan_(std::move(plan)) {}

  std::string get_uri(const std::string& name) const override { return "faulty://bucket/" + name; }

  // Streams go through the SDK's temporary file and upload_object, so that
  // they meet the same faults.
  std::unique_ptr<ObjectWriter> open_writer(const std::string& name, uint64_t size_hint,
                                            const ProgressFn& progress) override {
    return ObjectStore::open_writer(name, size_hint, progress);
  }

  void upload_object(const std::string& name, const std::string& filename, const ProgressFn& progress) override {
    const int attempt = plan_->next_attempt(name);
    const bool pointer = name.size() > 8 && name.compare(name.size() - 8, 8, ".symlink") == 0;
    const bool unlucky = percentile(name, attempt) < uint64_t(plan_->transient_percent);
    if ((plan_->fail_checkpoints && !pointer) || unlucky || attempt < plan_->fail_first_attempts) {
      injected();
      throw TransientError("upload of '" + name + "' to faulty://bucket failed: injected transient fault (HTTP 503 "
                           "SlowDown) at attempt " + std::to_string(attempt + 1));
    }
    if (plan_->lose_first_attempt && attempt == 0) {
      injected();
      return;  // "200 OK", nothing stored
    }
    if (!plan_->slow_name_part.empty() && name.find(plan_->slow_name_part) != std::string::npos) {
      std::this_thread::sleep_for(plan_->slow_delay);
    }
    LocalStore::upload_object(name, filename, progress);
    std::lock_guard<std::mutex> lock(plan_->mutex);
    plan_->landed.push_back(name);
  }

 private:
  void injected() {
    std::lock_guard<std::mutex> lock(plan_->mutex);
    ++plan_->injected;
  }
  std::shared_ptr<FaultPlan> plan_;
};

}  // namespace

int FaultPlan::next_attempt(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex);
  return attempts[name]++;
}

void register_fault_store(PluginHost& host, std::shared_ptr<FaultPlan> plan) {
  host.add_builtin("test_faults", "test store that injects failures", [plan](Registrar& registrar) {
    registrar.add_object_store(
        "faulty", {"faulty"},
        [plan](const Uri&, const nlohmann::json&) -> std::unique_ptr<ObjectStore> {
          return std::make_unique<FaultyStore>(plan);
        },
        "a local folder with injected upload failures");
  });
}

}  // namespace cairn::test
