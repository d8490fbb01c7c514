#include "dist/distributed_sampler.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <string>

#include "cairn/errors.h"

namespace cairn::dist {
namespace {

void check(int64_t dataset_size, const DistributedSamplerOptions& options) {
  if (options.num_replicas < 1 || options.rank < 0 || options.rank >= options.num_replicas) {
    throw ConfigError("distributed sampler: rank " + std::to_string(options.rank) + " of " +
                      std::to_string(options.num_replicas) + " replicas is impossible; the rank must be below the world size");
  }
  if (dataset_size < 0) {
    throw ConfigError("distributed sampler: dataset size " + std::to_string(dataset_size) + " is negative");
  }
}

}  // namespace

int64_t distributed_sampler_length(int64_t dataset_size, const DistributedSamplerOptions& options) {
  check(dataset_size, options);
  const int64_t world = options.num_replicas;
  if (options.drop_last && dataset_size % world != 0) {
    // torch: math.ceil((n - world) / world), which is 0 when n < world.
    return dataset_size < world ? 0 : (dataset_size - 1) / world;
  }
  return (dataset_size + world - 1) / world;
}

std::vector<int64_t> distributed_sampler_indices(int64_t dataset_size, int64_t epoch,
                                                 const DistributedSamplerOptions& options) {
  const int64_t per_rank = distributed_sampler_length(dataset_size, options);
  const int64_t total = per_rank * options.num_replicas;
  std::vector<int64_t> order;
  if (options.shuffle) {
    // torch.Generator() is a CPU generator; manual_seed(seed + epoch) as the sampler does.
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed + static_cast<uint64_t>(epoch));
    // randperm takes the generator's lock itself.
    const at::Tensor permutation = at::randperm(dataset_size, generator, at::kLong);
    const int64_t* data = permutation.data_ptr<int64_t>();
    order.assign(data, data + dataset_size);
  } else {
    order.resize(static_cast<size_t>(dataset_size));
    for (int64_t i = 0; i < dataset_size; ++i) order[static_cast<size_t>(i)] = i;
  }
  if (options.drop_last) {
    order.resize(static_cast<size_t>(total));
  } else if (dataset_size > 0) {
    // Repeating the head (the whole list again, as often as needed, when n < world).
    for (int64_t i = dataset_size; i < total; ++i) order.push_back(order[static_cast<size_t>(i % dataset_size)]);
  }
  std::vector<int64_t> mine;
  mine.reserve(static_cast<size_t>(per_rank));
  for (int64_t i = options.rank; i < total; i += options.num_replicas) mine.push_back(order[static_cast<size_t>(i)]);
  return mine;
}

}  // namespace cairn::dist
