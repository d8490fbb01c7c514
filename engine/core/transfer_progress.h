// A one-line progress bar for a file transfer, for terminals:
//   downloading s3://b/run/ep1.pt [######....] 61% 12.3/20.0 MiB
// Redrawn in place at most ten times a second; finish() ends the line. Used by
// the trainer's load_path download and by `cairn cp`; callers draw it only
// when the stream is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>

#include "cairn/object_store.h"

namespace cairn {

class TransferProgress {
 public:
  TransferProgress(std::ostream& out, std::string label);

  // The ProgressFn to hand to the store; it refers to this object.
  ProgressFn callback();
  // Draws the final state and ends the line (once).
  void finish();

  // The bar's text for `done` of `total` bytes (no control characters).
  std::string render(uint64_t done, uint64_t total) const;

 private:
  void update(uint64_t done, uint64_t total);

  std::ostream& out_;
  std::string label_;
  std::mutex mutex_;  // stores may report from several transfer threads
  uint64_t done_ = 0;
  uint64_t total_ = 0;
  bool drawn_ = false;
  bool finished_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_draw_;
};

}  // namespace cairn
