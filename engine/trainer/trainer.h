// The Trainer: Composer's training loop with checkpointing.
//
//   cairn::TrainerOptions opts;
//   opts.model = std::make_shared<cairn::ModuleModel<MyNet>>(net);
//   opts.train_dataloader = my_dataset;
//   opts.max_duration = "2ep";
//   opts.save_folder = "./checkpoints";
//   cairn::Trainer trainer(std::move(opts));  // validates, loads load_path / autoresume
//   trainer.fit();
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "trainer/trainer_options.h"

namespace cairn {

// What the run's savers did, for the end-of-run line.
struct CheckpointSummary {
  bool saving = false;  // any saver at all
  size_t saved = 0;     // checkpoints written by this run
  size_t kept = 0;      // of the files written, those still on disk
};

class Trainer {
 public:
  // Validates every option (ConfigError on bad input, before any file is
  // touched), runs INIT, then loads `load_path` or the autoresume checkpoint.
  explicit Trainer(TrainerOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains until max_duration. May be called again with a larger duration.
  void fit();
  // Closes callbacks (idempotent; also done by the destructor).
  void close();

  State& state();
  const State& state() const;
  // Checkpoint files written by the trainer's savers, oldest first.
  std::vector<std::string> saved_checkpoints() const;
  CheckpointSummary checkpoint_summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn
