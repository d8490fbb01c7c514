// Shared pieces of the saver tests: temporary folders, a recording logger, a
// real checkpoint assembler and a training loop that fires events as the
// trainer does.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

#include "cairn/callback.h"
#include "cairn/logger.h"
#include "cairn/state.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "temp_dir.h"

namespace cairn::test {

class RecordingLogger : public Logger {
 public:
  void log_metrics(const std::map<std::string, double>&, const Timestamp&) override {}
  void info(const std::string& message) override { infos.push_back(message); }
  void warn(const std::string& message) override { warnings.push_back(message); }
  std::vector<std::string> infos, warnings;
};

// A single-process state at the start of training.
State make_state(const std::string& run_name, const std::string& max_duration, int64_t batches_per_epoch);

// Builds {"state": {"model": {"weight": <tensor>}, "timestamp": {...},
// "callbacks": {"CheckpointSaver": <saver state>}, "run_name": ...},
// "rng": [{"seed": 7}]} (weights-only: state holds only the model), counting
// its calls.
struct CountingAssembler {
  explicit CountingAssembler(const CheckpointSaver* saver) : saver(saver) {}
  c10::IValue operator()(const State& state, bool weights_only);
  // Makes this the assembler of `target` (which must outlive neither).
  void attach_to(CheckpointSaver& target) {
    target.attach([this](const State& s, bool weights_only) { return (*this)(s, weights_only); });
  }
  const CheckpointSaver* saver;
  int calls = 0;
};

// The trainer's loop (Composer's _train_loop): per batch BATCH_END then
// BATCH_CHECKPOINT, per finished epoch EPOCH_END then EPOCH_CHECKPOINT,
// previous_timestamp set before each advance, stopping mid-epoch once
// max_duration is reached; FIT_START first and FIT_END last. Each batch has
// `batch_size` samples of `tokens_per_sample` tokens and takes one second.
struct LoopShape {
  int64_t batches_per_epoch = 5;
  int64_t batch_size = 2;
  int64_t tokens_per_sample = 0;
};
void run_fit(State& state, Callback& callback, const LoopShape& shape);

// The whole content of the file at `path` ("" when it cannot be read).
std::string read_bytes(const std::filesystem::path& path);

// Names of the entries directly in `folder`, sorted.
std::vector<std::string> list_folder(const std::filesystem::path& folder);

// For BOOST_CHECK_EXCEPTION: the error is one line holding each of `parts`.
inline bool names(const std::exception& e, const std::vector<std::string>& parts) {
  const std::string m = e.what();
  for (const auto& p : parts) {
    if (m.find(p) == std::string::npos) return false;
  }
  return m.find('\n') == std::string::npos;
}

}  // namespace cairn::test
