// Training events, in the order Composer's engine fires them.
//
// Per fit:   INIT, BEFORE_LOAD, AFTER_LOAD, FIT_START, ... , FIT_END
// Per epoch: EPOCH_START, (batches), EPOCH_END, EPOCH_CHECKPOINT
// Per batch: BEFORE_DATALOADER, AFTER_DATALOADER, BATCH_START, BEFORE_TRAIN_BATCH,
//            BEFORE_FORWARD, AFTER_FORWARD, BEFORE_LOSS, AFTER_LOSS,
//            BEFORE_BACKWARD, AFTER_BACKWARD, AFTER_TRAIN_BATCH, BATCH_END,
//            BATCH_CHECKPOINT
//
// Who runs first at each event (as Composer): for INIT, callbacks then
// algorithms; for every other event, algorithms (in the order given) then
// callbacks (in the order given; checkpoint savers after user callbacks).
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
