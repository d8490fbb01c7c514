#include "cli/progress_bar.h"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "cairn/state.h"

namespace cairn::cli {
namespace {

constexpr int kBarCells = 10;

// Which parts go first when the line is too wide: the rate, the overall
// share, the bar, the times, then the loss; the epoch and batch counts stay.
enum DropRank { kKeep = 0, kLoss = 1, kTimes = 2, kBar = 3, kShare = 4, kRate = 5 };

std::string rate_text(double per_second) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(per_second >= 100 ? 0 : per_second >= 10 ? 1 : 2) << per_second << "ba/s";
  return text.str();
}

}  // namespace

std::optional<double> training_loss(const State& state) {
  const auto exact = state.train_metrics.find("loss/train");
  if (exact != state.train_metrics.end()) return exact->second;
  const auto prefixed = state.train_metrics.lower_bound("loss/train");
  if (prefixed != state.train_metrics.end() && prefixed->first.rfind("loss/train", 0) == 0) return prefixed->second;
  return std::nullopt;
}

std::string eval_line(const State& state) {
  std::ostringstream line;
  line << state.eval_label << " at ep" << state.timestamp.epoch << " ba" << state.timestamp.batch << ":";
  const auto metrics = state.eval_metrics.find(state.eval_label);
  if (metrics != state.eval_metrics.end()) {
    const char* separator = " ";
    for (const auto& [name, value] : metrics->second) {
      line << separator << name << " " << std::setprecision(6) << value;
      separator = ", ";
    }
  }
  return line.str();
}

std::optional<double> fraction_done(const State& state) {
  const TimeUnit unit = state.max_duration.unit();
  const double total = static_cast<double>(state.max_duration.count());
  if (!(total > 0)) return std::nullopt;
  double done = 0;
  if (unit == TimeUnit::EPOCH) {
    done = static_cast<double>(state.timestamp.epoch);
    if (state.dataloader_len && *state.dataloader_len > 0) {
      done += static_cast<double>(state.timestamp.batch_in_epoch) / static_cast<double>(*state.dataloader_len);
    }
  } else if (unit == TimeUnit::BATCH || unit == TimeUnit::SAMPLE || unit == TimeUnit::TOKEN) {
    done = static_cast<double>(state.timestamp.get(unit));
  } else {
    return std::nullopt;
  }
  return std::min(1.0, done / total);
}

ProgressBar::ProgressBar(std::ostream& out, bool interactive, std::function<int()> columns,
                         std::function<bool()> should_stop)
    : out_(out),
      interactive_(interactive),
      columns_(std::move(columns)),
      should_stop_(std::move(should_stop)),
      line_(out) {}

std::string ProgressBar::render(const State& state, double elapsed_seconds, int columns) const {
  std::vector<progress::Part> parts;
  const TimeUnit unit = state.max_duration.unit();
  std::string epoch = "epoch " + std::to_string(epoch_);
  if (unit == TimeUnit::EPOCH) epoch += "/" + std::to_string(state.max_duration.count());
  parts.push_back({epoch, kKeep});

  if (state.dataloader_len && *state.dataloader_len > 0) {
    const int64_t total = *state.dataloader_len;
    const int64_t done = std::min(batches_in_epoch_, total);
    parts.push_back({progress::bar(static_cast<double>(done) / static_cast<double>(total), kBarCells), kBar});
    parts.push_back({std::to_string(done) + "/" + std::to_string(total) + "ba", kKeep});
  } else {
    parts.push_back({std::to_string(batches_in_epoch_) + "ba", kKeep});
  }

  const std::optional<double> fraction = fraction_done(state);
  if (fraction) {
    std::ostringstream share;
    share << static_cast<int>(*fraction * 100) << "% of " << state.max_duration.count() << to_string(unit);
    parts.push_back({share.str(), kShare});
  }
  const int64_t batches = state.timestamp.batch - start_batch_;
  if (elapsed_seconds > 0 && batches > 0) {
    parts.push_back({rate_text(static_cast<double>(batches) / elapsed_seconds), kRate});
  }
  double left = -1;  // unknown
  if (fraction && *fraction > start_fraction_) {
    left = elapsed_seconds * (1 - *fraction) / (*fraction - start_fraction_);
  }
  parts.push_back({progress::clock(elapsed_seconds) + "<" + progress::clock(left), kTimes});
  if (const auto loss = training_loss(state)) {
    std::ostringstream text;
    text << "loss " << std::setprecision(6) << *loss;
    parts.push_back({text.str(), kLoss});
  }
  return progress::fit(std::move(parts), columns);
}

void ProgressBar::on_event(Event event, State& state) {
  switch (event) {
    case Event::FIT_START:
      started_ = std::chrono::steady_clock::now();
      start_fraction_ = fraction_done(state).value_or(0);
      start_batch_ = state.timestamp.batch;
      break;
    case Event::EPOCH_START:
      epoch_ = state.timestamp.epoch + 1;
      batches_in_epoch_ = state.timestamp.batch_in_epoch;
      break;
    case Event::BATCH_END: {
      epoch_ = state.timestamp.epoch + 1;
      batches_in_epoch_ = state.timestamp.batch_in_epoch;
      final_shown_ = false;
      if (should_stop_ && should_stop_()) state.stop_training();
      if (!interactive_) break;
      const bool epoch_done = state.dataloader_len && batches_in_epoch_ >= *state.dataloader_len;
      if (line_.due(epoch_done)) draw(state);
      break;
    }
    case Event::EPOCH_END:
    case Event::FIT_END:
      // At EPOCH_END the timestamp has already moved to the next epoch: the
      // line shows the one that ended. A run that stops mid-epoch (a batch
      // duration, a stopper, Ctrl-C) gets its final line at FIT_END.
      if (final_shown_) break;
      final_shown_ = true;
      if (interactive_) {
        draw(state);
        line_.end();
      } else {
        out_ << render(state, elapsed()) << "\n" << std::flush;
      }
      break;
    case Event::EVAL_END:
      clear_line();
      out_ << eval_line(state) << "\n" << std::flush;
      break;
    default:
      break;
  }
}

void ProgressBar::close(State&) noexcept {
  try {
    line_.end();
  } catch (...) {
    // A failing stderr must not mask the error being reported.
  }
}

void ProgressBar::clear_line() { line_.clear(); }

double ProgressBar::elapsed() const {
  if (!started_) return 0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - *started_).count();
}

void ProgressBar::draw(const State& state) { line_.draw(render(state, elapsed(), columns_ ? columns_() : 0)); }

}  // namespace cairn::cli
