// What a callback that writes checkpoints (the engine's CheckpointSaver, or a
// plugin's own saver) tells the trainer, through Callback::as_checkpoint_writer.
//
// The trainer gives every writer the function that assembles a checkpoint
// from the run's state hooks, so a writer never needs to know which plugins
// are loaded; it reads back what was written for the run's summary, and the
// save interval for the checks made before training.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

#include "cairn/export.h"
#include "cairn/time.h"

namespace cairn {

class State;

class CAIRN_EXPORT CheckpointWriter {
 public:
  virtual ~CheckpointWriter();

  // Builds the checkpoint dict ({'state': ..., 'rng': ...}, or the weights-only
  // form) for the current state. Call it on every rank at every save: it may
  // need every rank.
  using Assembler = std::function<c10::IValue(const State& state, bool weights_only)>;
  // Called by the trainer once, before INIT.
  virtual void attach(Assembler assembler) = 0;

  // Checkpoints written so far (each save counts, a re-saved name too).
  virtual size_t num_saved() const = 0;
  // How many of the files it wrote are still on disk (after rotation).
  virtual size_t num_kept() const = 0;
  // Local files written and not rotated away, oldest first.
  virtual const std::vector<std::string>& saved_checkpoints() const = 0;
  // The save interval when it is a duration ("2ep", "100tok"); empty when it
  // is a function. The trainer refuses a unit the data cannot count.
  virtual std::optional<Time> save_interval_time() const = 0;
};

}  // namespace cairn
