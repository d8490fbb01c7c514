// "Milestone": says once at which batch training reached a configured time,
// also across a resume (its saved state remembers), and keeps the batches at
// which it looked. Written as a third party would write it, against the
// installed SDK's training layer and its helpers only.
#include <cairn/callback.h>
#include <cairn/config.h>
#include <cairn/config_time.h>
#include <cairn/logger.h>
#include <cairn/plugin.h>
#include <cairn/state.h>
#include <cairn/state_reader.h>
#include <cairn/state_writer.h>
#include <cairn/time_reached.h>
#include <cairn/update_interval.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace {

const char* const kOwner = "callback 'Milestone'";

class Milestone : public cairn::Callback {
 public:
  Milestone(cairn::Time at, cairn::Time interval) : at_(at), look_at_(cairn::update_event(interval)) {}

  void on_event(cairn::Event event, cairn::State& state) override {
    if (event != look_at_) return;
    looked_.push_back(double(state.timestamp.batch));
    if (!reached_ && cairn::time_reached(at_, state)) {
      reached_ = double(state.timestamp.batch);
      state.logger->info("Milestone: reached " + at_.to_string() + " at batch " + std::to_string(state.timestamp.batch));
    }
  }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    d.insert("reached", cairn::optional_value(reached_));
    d.insert("looked", cairn::to_list(looked_));
    return d;
  }

  void load_state_dict(const c10::IValue& saved) override {
    cairn::StateReader r(kOwner, saved);
    r.read("reached", reached_);
    r.read("looked", looked_);
  }

 private:
  cairn::Time at_;
  cairn::Event look_at_;
  std::optional<double> reached_;
  std::deque<double> looked_;
};

void register_milestone(cairn::Registrar& r) {
  r.add_callback(
      "Milestone",
      [](const nlohmann::json& json) {
        cairn::Config cfg(kOwner, json);
        const auto at = cairn::read_time(cfg, "at", "0.5dur", {cairn::TimeUnit::BATCH, cairn::TimeUnit::DURATION});
        const auto interval =
            cairn::read_time(cfg, "update_interval", "1ba", {cairn::TimeUnit::BATCH, cairn::TimeUnit::EPOCH});
        cairn::check_update_interval(cfg, interval);
        cfg.finish();
        return std::make_unique<Milestone>(at, interval);
      },
      "says at which batch training reached a time");
}

}  // namespace

CAIRN_PLUGIN("milestone", "1.0.0", "Says when training reached a time", register_milestone)
