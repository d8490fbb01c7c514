// Algorithm plugin "EMA": an exponential moving average of the weights, as
// Composer's composer.algorithms.EMA.
//
// Config (Composer's names and defaults):
//   half_life        time string in ba or ep, default "1000ba"; or null
//   smoothing        float in (0, 1), only when half_life is not given
//   update_interval  time string in ba or ep, default 1 of half_life's unit ("1ba" with smoothing)
//   ema_start        time string in dur, ba or ep, default "0.0dur"
//
// Every update_interval, ema = smoothing * ema + (1 - smoothing) * weights,
// over parameters and buffers; smoothing = 2^-(update_interval / half_life).
// When ema_start is reached the average restarts from the current weights.
//
// Which weights the model holds (as Composer): at every BATCH_CHECKPOINT and
// EPOCH_CHECKPOINT the EMA weights are swapped in, so checkpoints (also
// weights-only ones) carry them as state['model'] and the training weights in
// this algorithm's state; BATCH_START swaps the training weights back. The
// last event of a fit is a checkpoint event, so after fit() the model holds
// the EMA weights; a further fit() resumes from the training weights.
//
// State: ema_model {name: tensor}, training_model {name: tensor} (only while
// the EMA weights are swapped in), ema_weights_active, ema_started, num_updates.
#include <cmath>

#include "cairn/algorithm.h"
#include "cairn/config.h"
#include "cairn/config_time.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn/state_reader.h"
#include "cairn/time_reached.h"
#include "cairn/update_interval.h"
#include "cairn_plugins/model_tensors.h"

namespace {

using cairn::check_update_interval;
using cairn::Event;
using cairn::read_optional_time;
using cairn::read_time;
using cairn::StateReader;
using cairn::Time;
using cairn::time_reached;
using cairn::TimeUnit;
using cairn::update_event;
using namespace cairn::plugins;

constexpr const char* kOwner = "algorithm 'EMA'";

struct EmaOptions {
  double smoothing = 0;
  Time update_interval;
  Time ema_start;
};

EmaOptions read_options(const nlohmann::json& json) {
  cairn::Config cfg(kOwner, json);
  const std::vector<TimeUnit> ba_or_ep = {TimeUnit::BATCH, TimeUnit::EPOCH};
  const bool half_life_given = cfg.has("half_life") && !json.at("half_life").is_null();
  const auto smoothing = cfg.get<nlohmann::json>("smoothing", nullptr);
  std::optional<Time> half_life = read_optional_time(cfg, "half_life", ba_or_ep);
  if (half_life_given && !smoothing.is_null()) {
    cfg.fail("smoothing",
             "cannot be given together with half_life; set one of them (Composer: only one of "
             "half_life or smoothing can be specified)");
  }
  if (!half_life_given && smoothing.is_null()) {
    if (cfg.has("half_life")) cfg.fail("half_life", "is null, so smoothing is required; give one of them");
    half_life = Time::parse("1000ba");
  }
  EmaOptions o;
  const auto interval = read_optional_time(cfg, "update_interval", ba_or_ep);
  o.update_interval = interval ? *interval : Time(1, half_life ? half_life->unit() : TimeUnit::BATCH);
  o.ema_start = read_time(cfg, "ema_start", "0.0dur", {TimeUnit::DURATION, TimeUnit::BATCH, TimeUnit::EPOCH});
  cfg.finish();

  check_update_interval(cfg, o.update_interval);
  if (half_life) {
    if (half_life->unit() != o.update_interval.unit()) {
      cfg.fail("update_interval", "is in '" + std::string(to_string(o.update_interval.unit())) +
                                      "' but half_life is in '" + to_string(half_life->unit()) +
                                      "'; use the same unit");
    }
    o.smoothing = std::pow(2.0, -(o.update_interval.value() / half_life->value()));
  } else {
    if (!smoothing.is_number()) cfg.fail("smoothing", "must be a number in (0, 1) (got " + smoothing.dump() + ")");
    o.smoothing = smoothing.get<double>();
    if (!(o.smoothing > 0 && o.smoothing < 1)) {
      cfg.fail("smoothing", "must be in (0, 1) (got " + smoothing.dump() + ")");
    }
  }
  return o;
}

class EMA : public cairn::Algorithm {
 public:
  explicit EMA(EmaOptions o)
      : options_(std::move(o)),
        update_event_(update_event(options_.update_interval)) {}

  bool match(Event event, const cairn::State& state) override {
    switch (event) {
      case Event::INIT:
        return true;
      case Event::BATCH_START:
        return ema_weights_active_;
      case Event::BATCH_CHECKPOINT:
      case Event::EPOCH_CHECKPOINT:
      case Event::FIT_END:
        return ema_started_ && !ema_weights_active_;
      default:
        return event == update_event_ && (ema_started_ || time_reached(options_.ema_start, state));
    }
  }

  void apply(Event event, cairn::State& state) override {
    const auto live = live_tensors(*state.model->module());
    if (event == Event::INIT) {
      ema_ = TensorCopy(live);
      training_ = TensorCopy(live);
      return;
    }
    if (event == Event::BATCH_START) {
      training_.copy_to(live);
      ema_weights_active_ = false;
      return;
    }
    if (event == update_event_) {
      // EPOCH_END follows BATCH_CHECKPOINT, which may have swapped the EMA
      // weights in: the average always follows the training weights.
      std::vector<at::Tensor> weights;
      for (size_t i = 0; i < live.size(); ++i) weights.push_back(ema_weights_active_ ? training_[i] : live[i].second);
      if (!ema_started_) {
        for (size_t i = 0; i < weights.size(); ++i) ema_[i].copy_(weights[i]);
        ema_started_ = true;
      }
      if (state.timestamp.get(options_.update_interval.unit()) % options_.update_interval.count() == 0) update(weights);
      return;
    }
    // A checkpoint event or FIT_END: the EMA weights go into the model.
    training_.copy_from(live);
    ema_.copy_to(live);
    ema_weights_active_ = true;
  }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    d.insert("ema_model", ema_.to_dict());
    if (ema_weights_active_) d.insert("training_model", training_.to_dict());
    d.insert("ema_weights_active", ema_weights_active_);
    d.insert("ema_started", ema_started_);
    d.insert("num_updates", num_updates_);
    d.insert("smoothing", options_.smoothing);
    return d;
  }

  void load_state_dict(const c10::IValue& saved) override {
    const StateReader reader("algorithm EMA", saved);
    if (auto ema = reader.dict("ema_model")) ema_.load_dict(*ema, reader, "ema_model");
    reader.read("ema_weights_active", ema_weights_active_);
    reader.read("ema_started", ema_started_);
    reader.read("num_updates", num_updates_);
    if (ema_weights_active_) {
      auto training = reader.dict("training_model");
      if (!training) reader.fail("training_model", "is missing although ema_weights_active is true");
      training_.load_dict(*training, reader, "training_model");
    }
  }

 private:
  // Composer's compute_ema: ema = ema * smoothing + (1 - smoothing) * weights.
  void update(const std::vector<at::Tensor>& weights) {
    c10::NoGradGuard no_grad;
    const double s = options_.smoothing;
    for (size_t i = 0; i < ema_.size(); ++i) ema_[i].copy_(ema_[i] * s + (1.0 - s) * weights[i]);
    ++num_updates_;
  }

  EmaOptions options_;
  Event update_event_;
  TensorCopy ema_;
  TensorCopy training_;
  bool ema_weights_active_ = false;
  bool ema_started_ = false;
  int64_t num_updates_ = 0;
};

void register_ema(cairn::Registrar& registrar) {
  registrar.add_algorithm(
      "EMA", [](const nlohmann::json& config) { return std::make_unique<EMA>(read_options(config)); },
      "exponential moving average of the weights {half_life, smoothing, update_interval, ema_start}");
  registrar.describe_config("algorithm", "EMA", {{"half_life", "time | null", "\"1000ba\"", "time (ba or ep) for a weight to lose half its influence; null: give smoothing"},
                            {"smoothing", "float | null", "null", "the averaging factor in (0, 1), instead of half_life", "0.99"},
                            {"update_interval", "time | null", "null", "how often the average is updated (ba or ep); null: 1 of half_life's unit", "\"1ba\""},
                            {"ema_start", "time", "\"0.0dur\"", "when averaging starts (dur, ba or ep)"}});
}

}  // namespace

CAIRN_PLUGIN("ema", "1.0.0", "EMA: exponential moving average of the model weights", register_ema)
