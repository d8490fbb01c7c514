#include "core/transfer_progress.h"

#include "core/progress_line.h"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace cairn {
namespace {

constexpr int kBarWidth = 10;
constexpr auto kRedrawPeriod = std::chrono::milliseconds(100);

std::string mebibytes(uint64_t bytes) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << double(bytes) / (1024.0 * 1024.0);
  return text.str();
}

}  // namespace

TransferProgress::TransferProgress(std::ostream& out, std::string label) : out_(out), label_(std::move(label)) {}

ProgressFn TransferProgress::callback() {
  return [this](uint64_t done, uint64_t total) { update(done, total); };
}

std::string TransferProgress::render(uint64_t done, uint64_t total) const {
  std::ostringstream line;
  line << label_;
  if (total > 0) {
    const uint64_t shown = std::min(done, total);
    line << " " << progress::bar(double(shown) / double(total), kBarWidth) << " " << (shown * 100 / total)
         << "% " << mebibytes(shown) << "/" << mebibytes(total) << " MiB";
  } else {
    line << " " << mebibytes(done) << " MiB";
  }
  return line.str();
}

void TransferProgress::update(uint64_t done, uint64_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  done_ = std::max(done_, done);
  total_ = total;
  const auto now = std::chrono::steady_clock::now();
  if (last_draw_ && now - *last_draw_ < kRedrawPeriod && done < total) return;
  last_draw_ = now;
  out_ << "\r" << render(done_, total_) << "\033[K" << std::flush;
  drawn_ = true;
}

void TransferProgress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (!drawn_) return;
  out_ << "\r" << render(done_, total_) << "\033[K\n" << std::flush;
}

}  // namespace cairn
