#include "trainer/dataloader.h"

#include "cairn/errors.h"

namespace cairn {

DataLoader::DataLoader(std::shared_ptr<Dataset> dataset, uint64_t seed, std::string setting, bool in_order, int rank,
                       int world_size)
    : dataset_(std::move(dataset)),
      seed_(seed),
      in_order_(in_order),
      rank_(rank),
      world_size_(world_size),
      batch_size_(dataset_->batch_size()) {
  if (dataset_->size() <= 0) throw ConfigError(setting + ": the dataset is empty; give it at least one sample");
  if (batch_size_ <= 0) throw ConfigError(setting + ": batch_size must be positive");
}

dist::DistributedSamplerOptions DataLoader::sampler() const {
  dist::DistributedSamplerOptions options;
  options.num_replicas = world_size_;
  options.rank = rank_;
  options.shuffle = !in_order_ && dataset_->shuffle();
  options.seed = seed_;
  return options;
}

int64_t DataLoader::num_batches() const {
  return (dist::distributed_sampler_length(dataset_->size(), sampler()) + batch_size_ - 1) / batch_size_;
}

void DataLoader::start_epoch(int64_t epoch) { order_ = dist::distributed_sampler_indices(dataset_->size(), epoch, sampler()); }

Batch DataLoader::batch(int64_t index) {
  const int64_t begin = index * batch_size_;
  const int64_t end = std::min<int64_t>(begin + batch_size_, int64_t(order_.size()));
  if (begin >= end) throw ConfigError("batch " + std::to_string(index) + " is past the end of the epoch");
  std::vector<int64_t> indices(order_.begin() + begin, order_.begin() + end);
  Batch b = dataset_->get_batch(indices);
  if (b.num_samples == 0) b.num_samples = int64_t(indices.size());
  return b;
}

void move_batch_to(Batch& batch, const std::string& device) {
  if (device == "cpu") return;
  const c10::Device to(device);
  batch.inputs = batch.inputs.to(to);
  batch.targets = batch.targets.to(to);
}

}  // namespace cairn
