#include "cli/progress_bar.h"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "cairn/state.h"

namespace cairn::cli {
namespace {

constexpr int kBarWidth = 10;
// A terminal does not need more; drawing every batch of a fast model would
// cost more than the batch.
constexpr auto kRedrawPeriod = std::chrono::milliseconds(100);

}  // namespace

std::optional<double> training_loss(const State& state) {
  const auto exact = state.train_metrics.find("loss/train");
  if (exact != state.train_metrics.end()) return exact->second;
  const auto prefixed = state.train_metrics.lower_bound("loss/train");
  if (prefixed != state.train_metrics.end() && prefixed->first.rfind("loss/train", 0) == 0) return prefixed->second;
  return std::nullopt;
}

ProgressBar::ProgressBar(std::ostream& out, bool interactive) : out_(out), interactive_(interactive) {}

std::string ProgressBar::render(const State& state) const {
  std::ostringstream line;
  line << "epoch " << epoch_;
  const TimeUnit unit = state.max_duration.unit();
  if (unit == TimeUnit::EPOCH) line << "/" << state.max_duration.count();

  if (state.dataloader_len && *state.dataloader_len > 0) {
    const int64_t total = *state.dataloader_len;
    const int64_t done = std::min(batches_in_epoch_, total);
    const int filled = static_cast<int>(done * kBarWidth / total);
    line << " [" << std::string(filled, '#') << std::string(kBarWidth - filled, '.') << "]"
         << " batch " << done << "/" << total;
  } else {
    line << " batch " << batches_in_epoch_;
  }
  if (unit == TimeUnit::BATCH || unit == TimeUnit::SAMPLE || unit == TimeUnit::TOKEN) {
    line << " (" << state.timestamp.get(unit) << "/" << state.max_duration.count() << to_string(unit) << ")";
  }
  if (const auto loss = training_loss(state)) line << " loss " << std::fixed << std::setprecision(4) << *loss;
  return line.str();
}

void ProgressBar::on_event(Event event, State& state) {
  switch (event) {
    case Event::EPOCH_START:
      epoch_ = state.timestamp.epoch + 1;
      batches_in_epoch_ = state.timestamp.batch_in_epoch;
      break;
    case Event::BATCH_END: {
      epoch_ = state.timestamp.epoch + 1;
      batches_in_epoch_ = state.timestamp.batch_in_epoch;
      if (!interactive_) break;
      const auto now = std::chrono::steady_clock::now();
      const bool epoch_done = state.dataloader_len && batches_in_epoch_ >= *state.dataloader_len;
      if (epoch_done || !last_draw_ || now - *last_draw_ >= kRedrawPeriod) {
        draw(state);
        last_draw_ = now;
      }
      break;
    }
    case Event::EPOCH_END:
      // The timestamp has already moved to the next epoch: show the one that ended.
      if (interactive_) {
        draw(state);
        end_line();
      } else {
        out_ << render(state) << "\n" << std::flush;
      }
      break;
    case Event::FIT_END:
      end_line();
      break;
    default:
      break;
  }
}

void ProgressBar::close(State&) noexcept {
  try {
    end_line();
  } catch (...) {
    // A failing stderr must not mask the error being reported.
  }
}

void ProgressBar::clear_line() {
  if (!line_open_) return;
  out_ << "\r\033[K" << std::flush;
  line_open_ = false;
}

void ProgressBar::draw(const State& state) {
  out_ << "\r" << render(state) << "\033[K" << std::flush;
  line_open_ = true;
}

void ProgressBar::end_line() {
  if (!line_open_) return;
  out_ << "\n" << std::flush;
  line_open_ = false;
}

}  // namespace cairn::cli
