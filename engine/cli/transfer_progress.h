// A one-line progress bar for a file transfer, for terminals:
//   downloading s3://b/run/ep1.pt [######....] 61% 12.3/20.0 MiB
// Redrawn in place at most ten times a second; finish() ends the line. Used by
// `cairn cp` and, through TrainerOptions::download_progress, by the trainer's
// load_path and autoresume downloads; drawn only when stderr is a terminal.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>

#include "cairn/object_store.h"
#include "cli/progress_line.h"

namespace cairn::cli {

class TransferProgress {
 public:
  TransferProgress(std::ostream& out, std::string label);
  // Finishes the line if it is on screen.
  ~TransferProgress();
  TransferProgress(const TransferProgress&) = delete;
  TransferProgress& operator=(const TransferProgress&) = delete;

  // The ProgressFn to hand to the store; it refers to this object.
  ProgressFn callback();
  // Draws the final state and ends the line (once).
  void finish();

  // The bar's text for `done` of `total` bytes (no control characters).
  std::string render(uint64_t done, uint64_t total) const;

 private:
  void update(uint64_t done, uint64_t total);

  std::string label_;
  std::mutex mutex_;  // stores may report from several transfer threads
  progress::LiveLine line_;
  uint64_t done_ = 0;
  uint64_t total_ = 0;
  bool finished_ = false;
};

// A bar on stderr labelled `label` ("copying s3://b/a.pt") when stderr is a
// terminal, else an empty function (no bar). The bar lives as long as the
// returned function: its line ends when the last copy is destroyed, so hand it
// to the transfer as a temporary, or drop it before printing anything else.
ProgressFn transfer_progress_on_terminal(const std::string& label);

}  // namespace cairn::cli
