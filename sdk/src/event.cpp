#include "cairn/event.h"

namespace cairn {

const char* to_string(Event event) {
  switch (event) {
    case Event::INIT: return "init";
    case Event::BEFORE_LOAD: return "before_load";
    case Event::AFTER_LOAD: return "after_load";
    case Event::FIT_START: return "fit_start";
    case Event::EPOCH_START: return "epoch_start";
    case Event::BEFORE_DATALOADER: return "before_dataloader";
    case Event::AFTER_DATALOADER: return "after_dataloader";
    case Event::BATCH_START: return "batch_start";
    case Event::BEFORE_TRAIN_BATCH: return "before_train_batch";
    case Event::BEFORE_FORWARD: return "before_forward";
    case Event::AFTER_FORWARD: return "after_forward";
    case Event::BEFORE_LOSS: return "before_loss";
    case Event::AFTER_LOSS: return "after_loss";
    case Event::BEFORE_BACKWARD: return "before_backward";
    case Event::AFTER_BACKWARD: return "after_backward";
    case Event::AFTER_TRAIN_BATCH: return "after_train_batch";
    case Event::BATCH_END: return "batch_end";
    case Event::BATCH_CHECKPOINT: return "batch_checkpoint";
    case Event::EPOCH_END: return "epoch_end";
    case Event::EPOCH_CHECKPOINT: return "epoch_checkpoint";
    case Event::FIT_END: return "fit_end";
    case Event::EVAL_BEFORE_ALL: return "eval_before_all";
    case Event::EVAL_START: return "eval_start";
    case Event::EVAL_BATCH_START: return "eval_batch_start";
    case Event::EVAL_BEFORE_FORWARD: return "eval_before_forward";
    case Event::EVAL_AFTER_FORWARD: return "eval_after_forward";
    case Event::EVAL_BATCH_END: return "eval_batch_end";
    case Event::EVAL_END: return "eval_end";
    case Event::EVAL_AFTER_ALL: return "eval_after_all";
  }
  return "unknown";
}

}  // namespace cairn
