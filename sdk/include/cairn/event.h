// Training events, in the order Composer's engine fires them.
//
// Per fit:   INIT, BEFORE_LOAD, AFTER_LOAD, FIT_START, ... , FIT_END
// Per epoch: EPOCH_START, (batches), EPOCH_END, EPOCH_CHECKPOINT
// Per batch: BEFORE_DATALOADER, AFTER_DATALOADER, BATCH_START, BEFORE_TRAIN_BATCH,
//            BEFORE_FORWARD, AFTER_FORWARD, BEFORE_LOSS, AFTER_LOSS,
//            BEFORE_BACKWARD, AFTER_BACKWARD, AFTER_TRAIN_BATCH, BATCH_END,
//            BATCH_CHECKPOINT
// Evaluation, after BATCH_END or EPOCH_END when eval_interval is reached:
//            EVAL_BEFORE_ALL, then per evaluation dataloader EVAL_START,
//            (per batch: EVAL_BATCH_START, EVAL_BEFORE_FORWARD,
//            EVAL_AFTER_FORWARD, EVAL_BATCH_END), EVAL_END; then EVAL_AFTER_ALL
//
// Who runs at each event, as Composer's Engine.run_event:
//   INIT:        callbacks that are LoggerDestinations, then the other
//                callbacks, then algorithms;
//   every other: algorithms whose match() is true, then the other callbacks,
//                then the LoggerDestination callbacks.
// Algorithms run in the order given, except at the "after" events
// (AFTER_LOAD, AFTER_DATALOADER, AFTER_FORWARD, AFTER_LOSS, AFTER_BACKWARD,
// AFTER_TRAIN_BATCH, BATCH_END, EPOCH_END, FIT_END, EVAL_AFTER_FORWARD,
// EVAL_BATCH_END, EVAL_END, EVAL_AFTER_ALL), where they run in reverse
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
  // Evaluation (Composer's names and order), run inside fit after BATCH_END
  // or EPOCH_END when eval_interval says so, before the *_CHECKPOINT event, so
  // a checkpoint holds the metrics of the evaluation just done.
  EVAL_BEFORE_ALL,
  EVAL_START,
  EVAL_BATCH_START,
  EVAL_BEFORE_FORWARD,
  EVAL_AFTER_FORWARD,
  EVAL_BATCH_END,
  EVAL_END,
  EVAL_AFTER_ALL,
};

// Lower-case name as in Composer ("batch_checkpoint").
CAIRN_EXPORT const char* to_string(Event event);

}  // namespace cairn
