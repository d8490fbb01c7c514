// The training progress display of `cairn fit`, as a callback.
//
// On a terminal: one line redrawn in place,
//   epoch 1/2 [#####.....] batch 12/32 loss 0.4321
// Otherwise (a log file, CI): one plain line per finished epoch.
// Checkpoint messages come through the Logger; on a terminal they must first
// call clear_line() so they do not land in the middle of the bar.
#pragma once

#include <chrono>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cairn/callback.h"
#include "cairn/logger.h"

namespace cairn::cli {

class ProgressBar : public Callback {
 public:
  // `interactive`: redraw one line (a terminal) rather than print a line per epoch.
  ProgressBar(std::ostream& out, bool interactive);

  void on_event(Event event, State& state) override;
  void close(State& state) noexcept override;

  // Erases the bar if it is on screen; the next batch redraws it.
  void clear_line();

  // The text of the bar for `state` (no control characters).
  std::string render(const State& state) const;

 private:
  void draw(const State& state);
  void end_line();

  std::ostream& out_;
  bool interactive_;
  bool line_open_ = false;
  int64_t epoch_ = 1;               // the epoch in progress, 1-based
  int64_t batches_in_epoch_ = 0;    // finished in the epoch in progress
  std::optional<std::chrono::steady_clock::time_point> last_draw_;
};

// Passes everything to `inner`, first erasing the bar so that a message
// ("saved checkpoint ...") gets its own line; the next batch redraws the bar.
class BarAwareLogger : public Logger {
 public:
  BarAwareLogger(std::shared_ptr<Logger> inner, std::shared_ptr<ProgressBar> bar)
      : inner_(std::move(inner)), bar_(std::move(bar)) {}
  void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) override {
    inner_->log_metrics(metrics, at);
  }
  void info(const std::string& message) override {
    bar_->clear_line();
    inner_->info(message);
  }
  void warn(const std::string& message) override {
    bar_->clear_line();
    inner_->warn(message);
  }

 private:
  std::shared_ptr<Logger> inner_;
  std::shared_ptr<ProgressBar> bar_;
};

// The training loss the bar shows: "loss/train", else the first "loss/train..." metric.
std::optional<double> training_loss(const State& state);

}  // namespace cairn::cli
