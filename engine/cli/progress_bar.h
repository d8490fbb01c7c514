// The training progress display of `cairn fit`, as a callback.
//
// On a terminal: one line redrawn in place, as Composer's (tqdm) bar shows it,
//   epoch 1/2 [#####.....] 16/32ba 25% of 2ep 7.31ba/s 00:02<00:06 loss 0.432141
// the epoch and its bar, the batches of the epoch, the share of max_duration
// done, the rate, the time elapsed and left, and the training loss to six
// significant digits. Parts are dropped (rate first, loss last) so that the
// line fits the terminal's width; the final state of every epoch and of the
// run is drawn before the line ends. Otherwise (a log file, CI): the same line
// once per finished epoch, and once at the end.
// After each evaluation (EVAL_END) a line of its own gives the metrics, as
// Composer's evaluation bar does:
//   eval at ep1 ba32: CrossEntropy 0.412345, MulticlassAccuracy 0.9375
// Checkpoint messages come through the Logger; on a terminal they must first
// call clear_line() so they do not land in the middle of the bar.
//
// `should_stop` is polled after every batch: when it says so (Ctrl-C, see
// cli/interrupt.h) training stops cleanly after that batch, as a stopper
// callback stops it, so the end-of-training checkpoint is still written.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cairn/callback.h"
#include "cairn/logger.h"
#include "cli/progress_line.h"

namespace cairn::cli {

class ProgressBar : public Callback {
 public:
  // `interactive`: redraw one line (a terminal) rather than print a line per
  // epoch. `columns`: the terminal's width, re-read at every draw; 0: no limit.
  ProgressBar(std::ostream& out, bool interactive, std::function<int()> columns = {},
              std::function<bool()> should_stop = {});

  void on_event(Event event, State& state) override;
  void close(State& state) noexcept override;

  // Erases the bar if it is on screen; the next batch redraws it.
  void clear_line();

  // The text of the bar for `state`, `elapsed_seconds` after this run's first
  // batch started, fitted into `columns` (0: no limit). No control characters.
  std::string render(const State& state, double elapsed_seconds, int columns = 0) const;

 private:
  void draw(const State& state);
  double elapsed() const;

  std::ostream& out_;
  bool interactive_;
  std::function<int()> columns_;
  std::function<bool()> should_stop_;
  progress::LiveLine line_;
  bool final_shown_ = true;         // the last finished batch had its final line
  int64_t epoch_ = 1;               // the epoch in progress, 1-based
  int64_t batches_in_epoch_ = 0;    // finished in the epoch in progress
  // Where this run started, for the rate and the time left (a resumed run
  // starts part way).
  std::optional<std::chrono::steady_clock::time_point> started_;
  double start_fraction_ = 0;
  int64_t start_batch_ = 0;
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

// The line shown after an evaluation: its label, when, and each metric to six
// significant digits.
std::string eval_line(const State& state);

// The share of `state.max_duration` done, in [0, 1]; nothing when it cannot be
// told (an epoch duration with an unknown epoch length counts whole epochs).
std::optional<double> fraction_done(const State& state);

}  // namespace cairn::cli
