#include "trainer/dataloader.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>

#include "cairn/errors.h"

namespace cairn {

DataLoader::DataLoader(std::shared_ptr<Dataset> dataset, uint64_t seed, std::string setting, bool in_order)
    : dataset_(std::move(dataset)), seed_(seed), in_order_(in_order), batch_size_(dataset_->batch_size()) {
  if (dataset_->size() <= 0) throw ConfigError(setting + ": the dataset is empty; give it at least one sample");
  if (batch_size_ <= 0) throw ConfigError(setting + ": batch_size must be positive");
}

int64_t DataLoader::num_batches() const { return (dataset_->size() + batch_size_ - 1) / batch_size_; }

void DataLoader::start_epoch(int64_t epoch) {
  const int64_t n = dataset_->size();
  if (in_order_ || !dataset_->shuffle()) {
    order_.resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) order_[size_t(i)] = i;
    return;
  }
  // Mix seed and epoch so neighbouring epochs get unrelated permutations.
  const uint64_t mixed = seed_ * 0x9E3779B97F4A7C15ull + uint64_t(epoch) * 0xBF58476D1CE4E5B9ull + 1;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(mixed);
  const at::Tensor perm = at::randperm(n, gen, at::TensorOptions().dtype(at::kLong));
  const int64_t* p = perm.data_ptr<int64_t>();
  order_.assign(p, p + n);
}

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
