// Drawing one progress line on a terminal: the line redrawn in place, the bar,
// clock times, and fitting the line into the terminal's width. The one drawing
// helper behind the training bar (progress_bar.h) and file transfers
// (transfer_progress.h); terminal handling stays in the CLI.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cairn::cli::progress {

// One line on a terminal, redrawn in place ("\r", the text, erase to the end
// of the line). Not thread-safe: callers that draw from several threads lock.
class LiveLine {
 public:
  explicit LiveLine(std::ostream& out) : out_(out) {}

  // Whether to redraw now: the first time, when `final` (a state that must be
  // seen), or a tenth of a second after the last redraw. A terminal does not
  // need more, and drawing every update of a fast loop would cost more than it.
  bool due(bool final);
  void draw(const std::string& text);
  // Erases the line if it is on screen, so a message can take its place.
  void clear();
  // Ends the line if it is on screen: the text stays, output continues below.
  void end();
  bool on_screen() const { return on_screen_; }

 private:
  std::ostream& out_;
  bool on_screen_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_draw_;
};

// "[#####.....]": `fraction` (clamped to [0, 1]) of `cells` filled.
std::string bar(double fraction, int cells);

// Seconds as tqdm shows them: "00:42", "12:05", "1:02:03"; "--:--" when unknown.
std::string clock(double seconds);

// The columns of the terminal on `fd`, or 0 when it is not a terminal or does
// not say.
int terminal_columns(int fd);

// One part of a line; parts with a higher `drop_rank` are dropped first when
// the line does not fit (0: never dropped).
struct Part {
  std::string text;
  int drop_rank = 0;
};

// The parts joined by single spaces, dropping parts (highest drop_rank first)
// until the line has fewer than `columns` characters, then cutting it; no limit
// when `columns` is 0. The last column stays free so that no terminal wraps.
std::string fit(std::vector<Part> parts, int columns);

}  // namespace cairn::cli::progress
