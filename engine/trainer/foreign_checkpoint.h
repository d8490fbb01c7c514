// Resuming from a checkpoint that Python wrote (Composer's Trainer, or
// torch.save): what maps onto this run is restored by the usual hooks; this
// fits the few differences in naming and says, in one line, what is skipped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

namespace cairn {

class Logger;

// Whether `root` holds Python objects or Composer metadata (read by the
// restricted unpickler rather than written by Cairn).
bool is_foreign_checkpoint(const c10::IValue& root);

// For a full resume: when the checkpoint holds one optimizer under a name this
// run does not use (Composer's "DecoupledSGDW") and the run has exactly one
// optimizer (`run_optimizer`), its state is moved to the run's name. Then one
// warning names what has no counterpart here: pickled Python objects (such as
// torchmetrics modules) and the Python and numpy RNG states of `rank`.
void adapt_foreign_checkpoint(c10::IValue& state, const c10::IValue* rng_entry,
                              const std::optional<std::string>& run_optimizer, const std::string& name,
                              Logger& logger);

}  // namespace cairn
