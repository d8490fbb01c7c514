// Callback plugin "SpeedMonitor", as Composer's SpeedMonitor.
//
// At every BATCH_END it records the timestamp's sample and token counters and
// its training wall-clock time (total_wct). Once it holds `window_size` + 1
// records it logs the throughput over the last `window_size` batches:
//   throughput/batches_per_sec, throughput/samples_per_sec,
//   throughput/device/batches_per_sec, throughput/device/samples_per_sec
//   (per rank), and throughput/tokens_per_sec, throughput/device/tokens_per_sec
//   when the batches count tokens.
// Every batch it logs wall_clock/train, wall_clock/val (the time spent in
// evaluation so far, from each EVAL_START to its EVAL_END) and
// wall_clock/total, in seconds.
//
// State: the window (so a resumed run's window spans the resume), the last
// wall_clock_train, and Composer's total_eval_wct. Wall-clock values come from
// the timestamp, which a resume restores, so totals continue where they were.
#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <optional>

#include "cairn/callback.h"
#include "cairn/config.h"
#include "cairn/logger.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn/state_reader.h"
#include "cairn/state_writer.h"

namespace {

using cairn::StateReader;
using cairn::to_list;

class SpeedMonitor : public cairn::Callback {
 public:
  explicit SpeedMonitor(int64_t window_size) : window_size_(window_size) {}

  void on_event(cairn::Event event, cairn::State& state) override {
    if (event == cairn::Event::EVAL_START) eval_started_ = std::chrono::steady_clock::now();
    if (event == cairn::Event::EVAL_END && eval_started_) {
      total_eval_wct_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - *eval_started_).count();
      eval_started_.reset();
    }
    if (event != cairn::Event::BATCH_END) return;
    const cairn::Timestamp& ts = state.timestamp;
    history_samples_.push_back(double(ts.sample));
    history_tokens_.push_back(double(ts.token));
    history_wct_.push_back(ts.total_wct);
    while (history_wct_.size() > size_t(window_size_) + 1) {
      history_samples_.pop_front();
      history_tokens_.pop_front();
      history_wct_.pop_front();
    }
    std::map<std::string, double> metrics;
    const double elapsed_wct = history_wct_.back() - history_wct_.front();
    if (history_wct_.size() == size_t(window_size_) + 1 && elapsed_wct > 0) {
      const double world_size = double(state.dist.size());
      const double batches_per_sec = double(window_size_) / elapsed_wct;
      const double samples_per_sec = (history_samples_.back() - history_samples_.front()) / elapsed_wct;
      metrics["throughput/batches_per_sec"] = batches_per_sec;
      metrics["throughput/samples_per_sec"] = samples_per_sec;
      metrics["throughput/device/batches_per_sec"] = batches_per_sec / world_size;
      metrics["throughput/device/samples_per_sec"] = samples_per_sec / world_size;
      const double elapsed_tokens = history_tokens_.back() - history_tokens_.front();
      if (elapsed_tokens > 0) {
        metrics["throughput/tokens_per_sec"] = elapsed_tokens / elapsed_wct;
        metrics["throughput/device/tokens_per_sec"] = elapsed_tokens / elapsed_wct / world_size;
      }
    }
    wall_clock_train_ = ts.total_wct;
    metrics["wall_clock/train"] = wall_clock_train_;
    metrics["wall_clock/val"] = total_eval_wct_;
    metrics["wall_clock/total"] = wall_clock_train_ + total_eval_wct_;
    state.logger->log_metrics(metrics, ts);
  }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    d.insert("window_size", window_size_);
    d.insert("history_samples", to_list(history_samples_));
    d.insert("history_tokens", to_list(history_tokens_));
    d.insert("history_wct", to_list(history_wct_));
    d.insert("wall_clock_train", wall_clock_train_);
    d.insert("total_eval_wct", total_eval_wct_);
    return d;
  }

  void load_state_dict(const c10::IValue& state) override {
    StateReader r("callback 'SpeedMonitor'", state);
    r.read("history_samples", history_samples_);
    r.read("history_tokens", history_tokens_);
    r.read("history_wct", history_wct_);
    r.read("wall_clock_train", wall_clock_train_);
    r.read("total_eval_wct", total_eval_wct_);
    // The window may have been saved with another window_size: keep the newest
    // records that fit this one, and the three lists in step.
    const size_t n = std::min({history_samples_.size(), history_tokens_.size(), history_wct_.size()});
    const size_t keep = std::min(n, size_t(window_size_) + 1);
    for (auto* h : {&history_samples_, &history_tokens_, &history_wct_}) {
      while (h->size() > keep) h->pop_front();
    }
  }

 private:
  int64_t window_size_;
  std::deque<double> history_samples_, history_tokens_, history_wct_;
  double wall_clock_train_ = 0;
  double total_eval_wct_ = 0;
  std::optional<std::chrono::steady_clock::time_point> eval_started_;
};

void register_speed_monitor(cairn::Registrar& registrar) {
  registrar.add_callback(
      "SpeedMonitor",
      [](const nlohmann::json& json) -> std::unique_ptr<cairn::Callback> {
        cairn::Config cfg("callback 'SpeedMonitor'", json);
        const auto window_size = cfg.get<int64_t>("window_size", 100);
        cfg.finish();
        if (window_size < 1) cfg.fail("window_size", "must be at least 1 batch (got " + std::to_string(window_size) + ")");
        return std::make_unique<SpeedMonitor>(window_size);
      },
      "throughput over a window of batches and wall-clock totals; config: window_size (100)");
  registrar.describe_config("callback", "SpeedMonitor", {{"window_size", "int", "100", "batches the throughput is averaged over"}});
}

}  // namespace

CAIRN_PLUGIN("speed_monitor", "1.0.0", "Composer's SpeedMonitor: throughput and wall-clock time", register_speed_monitor)
