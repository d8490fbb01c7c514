// Turns a Dataset into batches in a seeded, per-epoch order.
//
// The order is torch's DistributedSampler's, with one rank or many: epoch e
// is a permutation from a private generator seeded seed + e (never torch's
// global generator), padded to a multiple of the world size, and rank r takes
// every world-th index from r. It is a pure function of the seed, the epoch
// and the rank, so a resumed run finds its place from the timestamp alone and
// skips seen batches without loading them; and N ranks with batch B see,
// together, the samples one process with batch N*B sees.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cairn/dataset.h"
#include "dist/distributed_sampler.h"

namespace cairn {

class DataLoader {
 public:
  // `setting` names the dataset in errors; `in_order` reads it unshuffled
  // whatever Dataset::shuffle() says (evaluation does).
  DataLoader(std::shared_ptr<Dataset> dataset, uint64_t seed, std::string setting = "train_dataloader",
             bool in_order = false, int rank = 0, int world_size = 1);

  int64_t num_batches() const;  // this rank's, per epoch; the last batch may be short
  int64_t batch_size() const { return batch_size_; }
  Dataset& dataset() { return *dataset_; }

  // Prepares the order for `epoch`.
  void start_epoch(int64_t epoch);
  // Batch `index` of the current epoch.
  Batch batch(int64_t index);

 private:
  dist::DistributedSamplerOptions sampler() const;

  std::shared_ptr<Dataset> dataset_;
  uint64_t seed_;
  bool in_order_;
  int rank_;
  int world_size_;
  int64_t batch_size_;
  std::vector<int64_t> order_;
};

// Moves the batch's tensors to `device` ("cpu", "cuda:0"); nothing on "cpu".
void move_batch_to(Batch& batch, const std::string& device);

}  // namespace cairn
