// Dataset plugin "synthetic": a learnable classification problem generated
// from a fixed seed.
//
// Config (all optional): {"samples": 256, "features": 16, "classes": 4,
//                         "batch_size": 32, "seed": 0, "shuffle": true}
//
// Each class has a centroid; a sample is its class's centroid plus unit noise,
// and labels cycle 0, 1, ..., classes-1 so every class is equally common. The
// centroids are spread wide enough that an MLP's loss falls within an epoch.
//
// The numbers come from splitmix64 and an Irwin-Hall normal approximation
// (sum of 12 uniforms minus 6) rather than torch's RNG or Box-Muller: torch's
// generator is part of the training state and must not be consumed, and
// Box-Muller's log/cos may round differently between math libraries, while
// sums of exactly representable doubles are the same under any IEEE-754
// implementation. So the data is bit-identical on every run and platform.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cairn/config.h"
#include "cairn/dataset.h"
#include "cairn/plugin.h"

namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits: exactly representable.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Mean 0, variance 1, range (-6, 6).
  double normal() {
    double sum = 0.0;
    for (int i = 0; i < 12; ++i) sum += uniform();
    return sum - 6.0;
  }

 private:
  uint64_t state_;
};

struct SyntheticOptions {
  int64_t samples = 256;
  int64_t features = 16;
  int64_t classes = 4;
  int64_t batch_size = 32;
  uint64_t seed = 0;
  bool shuffle = true;
};

SyntheticOptions read_options(const nlohmann::json& json) {
  cairn::Config cfg("dataset 'synthetic'", json);
  SyntheticOptions o;
  o.samples = cfg.get<int64_t>("samples", o.samples);
  o.features = cfg.get<int64_t>("features", o.features);
  o.classes = cfg.get<int64_t>("classes", o.classes);
  o.batch_size = cfg.get<int64_t>("batch_size", o.batch_size);
  const int64_t seed = cfg.get<int64_t>("seed", 0);
  o.shuffle = cfg.get<bool>("shuffle", o.shuffle);
  cfg.finish();
  if (o.samples < 1) cfg.fail("samples", "must be at least 1 (got " + std::to_string(o.samples) + ")");
  if (o.features < 1) cfg.fail("features", "must be at least 1 (got " + std::to_string(o.features) + ")");
  if (o.classes < 2) cfg.fail("classes", "must be at least 2 (got " + std::to_string(o.classes) + ")");
  if (o.batch_size < 1) cfg.fail("batch_size", "must be at least 1 (got " + std::to_string(o.batch_size) + ")");
  if (seed < 0) cfg.fail("seed", "must not be negative (got " + std::to_string(seed) + ")");
  o.seed = static_cast<uint64_t>(seed);
  return o;
}

class SyntheticDataset : public cairn::Dataset {
 public:
  explicit SyntheticDataset(const SyntheticOptions& o) : options_(o) {
    SplitMix64 rng(o.seed);
    // Centroid spread 2 against noise 1: classes overlap a little, so there is
    // something to learn but the problem is solvable.
    std::vector<float> centroids(static_cast<size_t>(o.classes * o.features));
    for (auto& c : centroids) c = static_cast<float>(2.0 * rng.normal());
    features_.resize(static_cast<size_t>(o.samples * o.features));
    labels_.resize(static_cast<size_t>(o.samples));
    for (int64_t i = 0; i < o.samples; ++i) {
      const int64_t label = i % o.classes;
      labels_[i] = label;
      for (int64_t f = 0; f < o.features; ++f) {
        features_[i * o.features + f] = centroids[label * o.features + f] + static_cast<float>(rng.normal());
      }
    }
  }

  int64_t size() const override { return options_.samples; }
  int64_t batch_size() const override { return options_.batch_size; }
  bool shuffle() const override { return options_.shuffle; }

  cairn::Batch get_batch(const std::vector<int64_t>& indices) override {
    const int64_t n = static_cast<int64_t>(indices.size());
    at::Tensor inputs = at::empty({n, options_.features}, at::kFloat);
    at::Tensor targets = at::empty({n}, at::kLong);
    float* in = inputs.data_ptr<float>();
    int64_t* out = targets.data_ptr<int64_t>();
    for (int64_t row = 0; row < n; ++row) {
      const int64_t index = indices[row];
      if (index < 0 || index >= options_.samples) {
        throw cairn::Error("dataset 'synthetic': sample index " + std::to_string(index) + " is out of range [0, " +
                           std::to_string(options_.samples) + ")");
      }
      std::copy_n(&features_[index * options_.features], options_.features, in + row * options_.features);
      out[row] = labels_[index];
    }
    return cairn::Batch{inputs, targets, n, 0};
  }

 private:
  SyntheticOptions options_;
  std::vector<float> features_;
  std::vector<int64_t> labels_;
};

void register_synthetic(cairn::Registrar& registrar) {
  registrar.add_dataset(
      "synthetic",
      [](const nlohmann::json& config) { return std::make_unique<SyntheticDataset>(read_options(config)); },
      "seeded Gaussian-cluster classification data {samples, features, classes, batch_size, seed, shuffle}");
  registrar.describe_config("dataset", "synthetic", {{"samples", "int", "256", "examples per epoch"},
                            {"features", "int", "16", "input width"},
                            {"classes", "int", "4", "classes"},
                            {"batch_size", "int", "32", "examples per batch"},
                            {"seed", "int", "0", "seed of the generated data (not of training)"},
                            {"shuffle", "bool", "true", "shuffle every epoch"}});
}

}  // namespace

CAIRN_PLUGIN("synthetic", "1.0.0", "Deterministic synthetic classification data", register_synthetic)
