// A map-style dataset that serves batches by sample index.
//
// The engine owns ordering (a seeded, per-epoch shuffle) so that the position
// in the data is part of the timestamp and resume is exact; the dataset only
// turns indices into tensors.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "cairn/export.h"
#include "cairn/state_dict.h"

namespace cairn {

struct Batch {
  at::Tensor inputs;
  at::Tensor targets;
  int64_t num_samples = 0;
  int64_t num_tokens = 0;  // 0 when the data has no notion of tokens
};

class CAIRN_EXPORT Dataset : public StateDictHook {
 public:
  ~Dataset() override;
  virtual int64_t size() const = 0;
  // Samples per batch, as configured for this dataset.
  virtual int64_t batch_size() const = 0;
  // Whether the engine should shuffle sample order each epoch.
  virtual bool shuffle() const { return true; }
  virtual Batch get_batch(const std::vector<int64_t>& indices) = 0;
};

}  // namespace cairn
