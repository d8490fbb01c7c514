#include "cli/transfer_progress.h"

#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace cairn::cli {
namespace {

constexpr int kBarWidth = 10;

std::string mebibytes(uint64_t bytes) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << double(bytes) / (1024.0 * 1024.0);
  return text.str();
}

}  // namespace

TransferProgress::TransferProgress(std::ostream& out, std::string label) : label_(std::move(label)), line_(out) {}

TransferProgress::~TransferProgress() {
  try {
    finish();
  } catch (...) {
    // A failing stderr must not mask the error being reported.
  }
}

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
  if (line_.due(/*final=*/done >= total)) line_.draw(render(done_, total_));
}

void TransferProgress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (!line_.on_screen()) return;
  line_.draw(render(done_, total_));
  line_.end();
}

ProgressFn transfer_progress_on_terminal(const std::string& label) {
  if (isatty(STDERR_FILENO) != 1) return {};
  auto bar = std::make_shared<TransferProgress>(std::cerr, label);
  // The function owns the bar: the bar finishes when the function goes.
  return [bar, update = bar->callback()](uint64_t done, uint64_t total) { update(done, total); };
}

}  // namespace cairn::cli
