// Which samples each rank reads in an epoch: exactly the indices of torch's
// torch.utils.data.distributed.DistributedSampler (1.13), so that a Cairn rank
// sees the data a PyTorch rank with the same seed would.
#pragma once

#include <cstdint>
#include <vector>

namespace cairn::dist {

struct DistributedSamplerOptions {
  int64_t num_replicas = 1;  // the world size
  int64_t rank = 0;
  bool shuffle = true;
  uint64_t seed = 0;
  bool drop_last = false;
};

// How many indices each rank gets from `dataset_size` samples (torch's num_samples).
int64_t distributed_sampler_length(int64_t dataset_size, const DistributedSamplerOptions& options);

// This rank's indices for `epoch`: a permutation from a CPU generator seeded
// `seed + epoch` (or 0..n-1 without shuffle), padded by repeating its head up
// to a multiple of the world size (or truncated with drop_last), then every
// num_replicas-th index from `rank`. ConfigError on an impossible rank or size.
std::vector<int64_t> distributed_sampler_indices(int64_t dataset_size, int64_t epoch,
                                                 const DistributedSamplerOptions& options);

}  // namespace cairn::dist
