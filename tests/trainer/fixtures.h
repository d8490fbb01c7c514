// A small but complete training setup for trainer tests: an MLP with dropout
// (so RNG state matters), a deterministic dataset of 10 samples in batches of
// 2 (5 batches per epoch, as Composer's tests), Adam with a scheduler (so
// optimizer and scheduler state matter) and a callback holding a random value.
#pragma once

#include <memory>
#include <string>

#include <torch/torch.h>

#include "cairn/callback.h"
#include "cairn/dataset.h"
#include "temp_dir.h"
#include "trainer/module_model.h"
#include "trainer/trainer.h"
#include "trainer/trainer_options.h"

namespace cairn::test {

struct TinyNetImpl : torch::nn::Module {
  explicit TinyNetImpl(int64_t in = 4, int64_t hidden = 8, int64_t out = 3, bool extra_layer = false);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(TinyNet);

class TinyDataset : public Dataset {
 public:
  explicit TinyDataset(int64_t samples = 10, int64_t batch_size = 2, int64_t features = 4);
  int64_t size() const override { return samples_; }
  int64_t batch_size() const override { return batch_size_; }
  Batch get_batch(const std::vector<int64_t>& indices) override;

 private:
  int64_t samples_, batch_size_;
  torch::Tensor x_, y_;
};

// Serves the given rows (inputs[i], targets[i]) in batches of `batch_size`.
class FixedDataset : public Dataset {
 public:
  FixedDataset(torch::Tensor inputs, torch::Tensor targets, int64_t batch_size)
      : inputs_(std::move(inputs)), targets_(std::move(targets)), batch_size_(batch_size) {}
  int64_t size() const override { return inputs_.size(0); }
  int64_t batch_size() const override { return batch_size_; }
  Batch get_batch(const std::vector<int64_t>& indices) override;
  const torch::Tensor& inputs() const { return inputs_; }
  const torch::Tensor& targets() const { return targets_; }

 private:
  torch::Tensor inputs_, targets_;
  int64_t batch_size_;
};

// Evaluation data for TinyNet (4 features, 3 classes), fixed by its own
// generator: 7 samples in batches of 3, so the last batch is short.
std::shared_ptr<FixedDataset> make_eval_dataset();

// Holds a random value drawn at INIT (so a run that did not restore it differs)
// and counts batches it has seen.
class DummyStatefulCallback : public Callback {
 public:
  void on_event(Event event, State& state) override;
  c10::IValue state_dict() const override;
  void load_state_dict(const c10::IValue& state) override;
  double random_value = 0;
  int64_t batches_seen = 0;
};

// A fresh model, data, Adam optimizer, StepLR scheduler and the dummy callback,
// seeded so that every call builds identical initial weights.
TrainerOptions make_options(const std::string& max_duration, uint64_t seed = 42, bool extra_layer = false);

std::vector<std::string> list_files(const std::string& folder);  // sorted names, symlinks included
std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);

// Runs /usr/bin/python3 with `script` (and args); returns stdout; throws on non-zero exit.
std::string run_python(const std::string& script, const std::vector<std::string>& args);

}  // namespace cairn::test
