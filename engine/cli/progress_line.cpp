#include "cli/progress_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace cairn::cli::progress {

bool LiveLine::due(bool final) {
  const auto now = std::chrono::steady_clock::now();
  if (!final && last_draw_ && now - *last_draw_ < std::chrono::milliseconds(100)) return false;
  last_draw_ = now;
  return true;
}

void LiveLine::draw(const std::string& text) {
  out_ << "\r" << text << "\033[K" << std::flush;
  on_screen_ = true;
}

void LiveLine::clear() {
  if (!on_screen_) return;
  out_ << "\r\033[K" << std::flush;
  on_screen_ = false;
}

void LiveLine::end() {
  if (!on_screen_) return;
  out_ << "\n" << std::flush;
  on_screen_ = false;
}

std::string bar(double fraction, int cells) {
  if (!(fraction >= 0)) fraction = 0;  // also NaN
  fraction = std::min(fraction, 1.0);
  const int filled = static_cast<int>(fraction * cells + 1e-9);
  return "[" + std::string(filled, '#') + std::string(cells - filled, '.') + "]";
}

std::string clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long total = std::lround(seconds);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%02ld:%02ld", total / 60, total % 60);
  }
  return text;
}

int terminal_columns(int fd) {
  struct winsize size {};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

std::string fit(std::vector<Part> parts, int columns) {
  auto joined = [&] {
    std::string line;
    for (const Part& part : parts) {
      if (part.text.empty()) continue;
      line += (line.empty() ? "" : " ") + part.text;
    }
    return line;
  };
  std::string line = joined();
  while (columns > 0 && static_cast<int>(line.size()) >= columns) {
    auto most = std::max_element(parts.begin(), parts.end(),
                                 [](const Part& a, const Part& b) { return a.drop_rank < b.drop_rank; });
    if (most == parts.end() || most->drop_rank == 0) {
      line.resize(static_cast<size_t>(columns - 1));
      break;
    }
    parts.erase(most);
    line = joined();
  }
  return line;
}

}  // namespace cairn::cli::progress
