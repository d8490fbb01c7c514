// Callback plugin "RuntimeEstimator", as Composer's RuntimeEstimator.
//
// Skips the first `skip_batches` batches (warm-up), then at every BATCH_END
// logs time/remaining_estimate: the training time per unit of progress since
// it started measuring, times the progress left (1 - elapsed fraction of
// max_duration, counting batches within the epoch when max_duration is in
// epochs), in `time_unit` (seconds, minutes, hours or days).
//
// Composer measures with the host clock, so a resumed run starts over. Here
// time is the timestamp's training wall-clock (total_wct), which a resume
// restores; with the start point in its state the estimate continues across a
// resume, and the gap while no process was training is not counted.
//
// State: batches_left_to_skip, start_wct and start_dur (None until measuring).
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

using cairn::optional_value;
using cairn::StateReader;

// Progress as a fraction of max_duration. State::elapsed_duration() counts
// whole epochs when max_duration is in epochs (as Composer's does), which
// would leave the estimate silent for the whole first epoch; with a sized
// dataloader the batches done within the epoch count too.
double progress(const cairn::State& state) {
  const cairn::Time& max = state.max_duration;
  if (max.unit() == cairn::TimeUnit::EPOCH && state.dataloader_len && *state.dataloader_len > 0 && max.value() > 0) {
    const cairn::Timestamp& ts = state.timestamp;
    return (double(ts.epoch) + double(ts.batch_in_epoch) / double(*state.dataloader_len)) / max.value();
  }
  return state.elapsed_duration();
}

class RuntimeEstimator : public cairn::Callback {
 public:
  RuntimeEstimator(int64_t skip_batches, double seconds_per_unit)
      : batches_left_to_skip_(skip_batches), seconds_per_unit_(seconds_per_unit) {}

  void on_event(cairn::Event event, cairn::State& state) override {
    if (event == cairn::Event::BATCH_START && !start_wct_ && batches_left_to_skip_ == 0) {
      start_wct_ = state.timestamp.total_wct;
      start_dur_ = progress(state);
    }
    if (event != cairn::Event::BATCH_END) return;
    if (batches_left_to_skip_ > 0) {
      --batches_left_to_skip_;
      return;
    }
    if (!start_wct_ || !start_dur_) return;
    const double elapsed_dur = progress(state);
    if (elapsed_dur <= *start_dur_) return;
    const double seconds_per_duration = (state.timestamp.total_wct - *start_wct_) / (elapsed_dur - *start_dur_);
    const double remaining = seconds_per_duration * (1.0 - elapsed_dur);
    state.logger->log_metrics({{"time/remaining_estimate", remaining / seconds_per_unit_}}, state.timestamp);
  }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    d.insert("batches_left_to_skip", batches_left_to_skip_);
    d.insert("start_wct", optional_value(start_wct_));
    d.insert("start_dur", optional_value(start_dur_));
    return d;
  }

  void load_state_dict(const c10::IValue& state) override {
    StateReader r("callback 'RuntimeEstimator'", state);
    r.read("batches_left_to_skip", batches_left_to_skip_);
    r.read("start_wct", start_wct_);
    r.read("start_dur", start_dur_);
  }

 private:
  int64_t batches_left_to_skip_;
  double seconds_per_unit_;
  std::optional<double> start_wct_, start_dur_;
};

void register_runtime_estimator(cairn::Registrar& registrar) {
  registrar.add_callback(
      "RuntimeEstimator",
      [](const nlohmann::json& json) -> std::unique_ptr<cairn::Callback> {
        cairn::Config cfg("callback 'RuntimeEstimator'", json);
        const auto skip_batches = cfg.get<int64_t>("skip_batches", 1);
        const auto time_unit = cfg.get<std::string>("time_unit", "hours");
        cfg.finish();
        if (skip_batches < 0) cfg.fail("skip_batches", "must not be negative (got " + std::to_string(skip_batches) + ")");
        const std::map<std::string, double> units = {
            {"seconds", 1.0}, {"minutes", 60.0}, {"hours", 3600.0}, {"days", 86400.0}};
        auto unit = units.find(time_unit);
        if (unit == units.end()) {
          cfg.fail("time_unit", "is \"" + time_unit + "\"; use \"seconds\", \"minutes\", \"hours\" or \"days\"");
        }
        return std::make_unique<RuntimeEstimator>(skip_batches, unit->second);
      },
      "estimated training time left (time/remaining_estimate); config: skip_batches (1), time_unit (\"hours\")");
  registrar.describe_config("callback", "RuntimeEstimator", {{"skip_batches", "int", "1", "warm-up batches left out of the estimate"},
                            {"time_unit", "string", "\"hours\"", "seconds, minutes, hours or days"}});
}

}  // namespace

CAIRN_PLUGIN("runtime_estimator", "1.0.0", "Composer's RuntimeEstimator: estimated time to completion",
             register_runtime_estimator)
