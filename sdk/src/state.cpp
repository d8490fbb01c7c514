#include "cairn/state.h"

#include <ATen/Functions.h>

#include "cairn/errors.h"

namespace cairn {

at::Tensor Model::loss(const at::Tensor& outputs, const at::Tensor& targets) {
  return at::cross_entropy_loss(outputs, targets);
}

double State::elapsed_duration() const {
  if (max_duration.unit() == TimeUnit::DURATION) {
    throw ConfigError("max_duration '" + max_duration.to_string() + "' is in 'dur'; use ep, ba, sp or tok");
  }
  if (max_duration.value() <= 0) return 1.0;
  return double(timestamp.get(max_duration.unit())) / max_duration.value();
}

void State::stop_training() {
  stop_requested_ = true;
  // Composer sets max_duration to the current time so that the end-of-training
  // checkpoint rule still fires at the next *_CHECKPOINT event.
  max_duration = Time(double(timestamp.batch), TimeUnit::BATCH);
}

}  // namespace cairn
