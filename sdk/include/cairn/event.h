// Training events, in the order Composer's engine fires them.
//
// Per fit:   INIT, BEFORE_LOAD, AFTER_LOAD, FIT_START, ... , FIT_END
// Per epoch: EPOCH_START, (batches), EPOCH_END, EPOCH_CHECKPOINT
// Per batch: BEFORE_DATALOADER, AFTER_DATALOADER, BATCH_START, BEFORE_TRAIN_BATCH,
//            BEFORE_FORWARD, AFTER_FORWARD, BEFORE_LOSS, AFTER_LOSS,
//            BEFORE_BACKWARD, AFTER_BACKWARD, AFTER_TRAIN_BATCH, BATCH_END,
//            BATCH_CHECKPOINT
//
// Who runs at each event, as Composer's Engine.run_event:
//   INIT:        callbacks that are LoggerDestinations, then the other
//                callbacks, then algorithms;
//   every other: algorithms whose match() is true, then the other callbacks,
//                then the LoggerDestination callbacks.
// Algorithms run in the order given, except at the "after" events
// (AFTER_LOAD, AFTER_DATALOADER, AFTER_FORWARD, AFTER_LOSS, AFTER_BACKWARD,
// AFTER_TRAIN_BATCH, BATCH_END, EPOCH_END, FIT_END), where they run in reverse
// so that paired before/after changes unwind like a stack. Callbacks run in the
// order given within their group; checkpoint savers come after user callbacks.
#pragma once

#include <string>

#include "cairn/export.h"

namespace cairn {

enum class Event {
  INIT,
  BEFORE_LOAD,
  AFTER_LOAD,
  FIT_START,
  EPOCH_START,
  BEFORE_DATALOADER,
  AFTER_DATALOADER,
  BATCH_START,
  BEFORE_TRAIN_BATCH,
  BEFORE_FORWARD,
  AFTER_FORWARD,
  BEFORE_LOSS,
  AFTER_LOSS,
  BEFORE_BACKWARD,
  AFTER_BACKWARD,
  AFTER_TRAIN_BATCH,
  BATCH_END,
  BATCH_CHECKPOINT,
  EPOCH_END,
  EPOCH_CHECKPOINT,
  FIT_END,
};

// Lower-case name as in Composer ("batch_checkpoint").
CAIRN_EXPORT const char* to_string(Event event);

}  // namespace cairn
