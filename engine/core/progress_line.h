// Drawing one progress line on a terminal: the bar, clock times, and fitting
// the line into the terminal's width. The one drawing helper behind the
// training bar (cli/progress_bar) and file transfers (core/transfer_progress).
#pragma once

#include <string>
#include <vector>

namespace cairn::progress {

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

}  // namespace cairn::progress
