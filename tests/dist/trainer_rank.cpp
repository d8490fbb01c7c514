// One rank of a data-parallel training job (tests/dist/dist_test.cpp starts N
// of these on loopback): a small network with dropout, initialised
// differently on every rank, trained by cairn::Trainer. Checks, on every
// rank, what data parallelism promises:
//   - after construction every rank holds rank 0's parameters (broadcast);
//   - after training they are still identical on every rank, though each
//     rank saw other samples and drew other dropout masks (gradients averaged);
//   - the sample counter is the job's: the whole dataset per epoch.
// Exit 0 and "parameters agree on every rank" when all held; one line and
// exit 1 otherwise.
#include <iostream>
#include <string>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/activation.h>
#include <torch/optim/sgd.h>

#include "cairn/collectives.h"
#include "cairn/dataset.h"
#include "cairn/dist.h"
#include "cairn/errors.h"
#include "core/console_logger.h"
#include "core/rng.h"
#include "trainer/module_model.h"
#include "trainer/trainer.h"

namespace {

constexpr int64_t kSamples = 26;  // not a multiple of 4 ranks: the sampler pads

class Blobs : public cairn::Dataset {
 public:
  Blobs() {
    const auto generator = at::make_generator<at::CPUGeneratorImpl>(3);
    x_ = at::randn({kSamples, 6}, generator);
    y_ = at::randint(0, 3, {kSamples}, generator, at::kLong);
  }
  int64_t size() const override { return kSamples; }
  int64_t batch_size() const override { return 3; }
  cairn::Batch get_batch(const std::vector<int64_t>& indices) override {
    const at::Tensor index = at::tensor(indices, at::kLong);
    cairn::Batch b;
    b.inputs = x_.index_select(0, index);
    b.targets = y_.index_select(0, index);
    return b;
  }

 private:
  at::Tensor x_, y_;
};

// Every parameter's bytes, in order.
std::string parameter_bytes(torch::nn::Module& module) {
  std::string out;
  for (const auto& p : module.parameters()) {
    const at::Tensor t = p.detach().contiguous();
    out.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
  }
  return out;
}

bool every_rank_has_mine(torch::nn::Module& module) {
  const std::string mine = parameter_bytes(module);
  for (const auto& theirs : cairn::collectives().allgather_bytes(mine))
    if (theirs != mine) return false;
  return true;
}

}  // namespace

int main() {
  try {
    const cairn::DistInfo dist = cairn::DistInfo::from_environment();
    cairn::seed_all(1000 + uint64_t(dist.global_rank()));  // a different start on every rank
    torch::nn::Sequential net(torch::nn::Linear(6, 16), torch::nn::ReLU(), torch::nn::Dropout(0.3),
                              torch::nn::Linear(16, 3));
    cairn::TrainerOptions options;
    options.model = std::make_shared<cairn::ModuleModel<torch::nn::Sequential>>(net);
    options.train_dataloader = std::make_shared<Blobs>();
    options.optimizers = {std::make_shared<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(0.2))};
    options.max_duration = "2ep";
    options.seed = 11;
    options.run_name = "ranks";
    options.dist_timeout = 60;
    options.logger = std::make_shared<cairn::ConsoleLogger>(false);
    cairn::Trainer trainer(options);
    if (!every_rank_has_mine(*net.ptr())) throw cairn::Error("the ranks start from different parameters");
    trainer.fit();
    if (!every_rank_has_mine(*net.ptr())) throw cairn::Error("the ranks' parameters differ after training");
    const int64_t samples = trainer.state().timestamp.sample;
    const int64_t world = dist.size();
    const int64_t expected = 2 * world * ((kSamples + world - 1) / world);  // two padded epochs
    if (samples != expected) {
      throw cairn::Error("the sample counter is " + std::to_string(samples) + ", expected the job's " +
                         std::to_string(expected));
    }
    std::cout << "parameters agree on every rank" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rank error: " << e.what() << std::endl;
    return 1;
  }
}
