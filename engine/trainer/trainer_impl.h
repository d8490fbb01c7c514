// Private parts of the Trainer, shared by its three source files:
// trainer.cpp (set-up and state hooks), trainer_loop.cpp (fit), trainer_load.cpp
// (load_path, autoresume).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

#include "cairn/logger.h"
#include "cairn/state.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "core/event_dispatcher.h"
#include "core/state_hooks.h"
#include "trainer/dataloader.h"
#include "trainer/scheduler.h"
#include "trainer/trainer_options.h"

namespace cairn {

struct Trainer::Impl {
  TrainerOptions options;
  State state;
  std::shared_ptr<Logger> logger;
  EventDispatcher events;
  StateHooks hooks;
  std::vector<std::shared_ptr<CheckpointSaver>> savers;
  // The saver whose folder autoresume looks in: the one built from save_folder,
  // else the first user-supplied one.
  std::shared_ptr<CheckpointSaver> primary_saver;
  // Instance name of the saver built from save_folder (state/callbacks/<name>).
  std::string trainer_saver_name;
  std::unique_ptr<DataLoader> loader;
  // This rank's RNG state from a loaded checkpoint, restored right before the
  // first batch trained after the load so nothing in between can consume it.
  std::optional<c10::IValue> pending_rng;
  // Whether the run name came from the user (argument or environment), which
  // autoresume needs to find the same run again.
  bool run_name_chosen = false;
  bool fit_started = false;
  bool closed = false;

  explicit Impl(TrainerOptions opts);

  // trainer.cpp
  void validate_and_resolve();
  void create_savers();
  void register_hooks();
  c10::IValue assemble_checkpoint(bool weights_only) const;

  // trainer_load.cpp
  std::optional<std::string> resolve_autoresume();
  void load_checkpoint(const std::string& load_path);

  // trainer_loop.cpp
  void fit();
  void train_batch(int64_t index);
  bool duration_reached() const;
  void restore_pending_rng();
};

}  // namespace cairn
