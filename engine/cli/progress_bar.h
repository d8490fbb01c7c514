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
#include <optional>
#include <string>

#include "cairn/callback.h"

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

// The training loss the bar shows: "loss/train", else the first "loss/train..." metric.
std::optional<double> training_loss(const State& state);

}  // namespace cairn::cli
