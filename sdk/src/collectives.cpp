#include "cairn/collectives.h"

#include <exception>
#include <mutex>

#include <ATen/core/grad_mode.h>

#include "cairn/errors.h"

namespace cairn {
namespace {

class WorldOfOne final : public Collectives {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void broadcast(std::vector<at::Tensor>&, int) override {}
  void allreduce(std::vector<at::Tensor>&, ReduceOp) override {}
  void allreduce_bucketed(std::vector<at::Tensor>&, ReduceOp, size_t) override {}
  std::vector<std::string> allgather_bytes(const std::string& mine) override { return {mine}; }
  std::string broadcast_bytes(const std::string& bytes) override { return bytes; }
  void barrier() override {}
};

std::mutex installed_mutex;
std::shared_ptr<Collectives>& installed() {
  static std::shared_ptr<Collectives> job = std::make_shared<WorldOfOne>();
  return job;
}

}  // namespace

Collectives::~Collectives() = default;

Collectives& collectives() {
  const std::lock_guard<std::mutex> lock(installed_mutex);
  return *installed();
}

void install_collectives(std::shared_ptr<Collectives> job) {
  const std::lock_guard<std::mutex> lock(installed_mutex);
  installed() = job ? std::move(job) : std::make_shared<WorldOfOne>();
}

void fail_together(const std::function<void()>& step) { fail_together(collectives(), step); }

void fail_together(Collectives& job, const std::function<void()>& step) {
  if (job.size() == 1) {
    step();
    return;
  }
  std::exception_ptr failure;
  std::string line;
  try {
    step();
  } catch (const std::exception& e) {
    failure = std::current_exception();
    line = e.what();
    if (line.empty()) line = "failed without a message";
    // Only the first line travels: every error Cairn raises is one line.
    line = line.substr(0, line.find('\n'));
  }
  const std::vector<std::string> outcomes = job.allgather_bytes(line);
  if (failure) std::rethrow_exception(failure);
  for (size_t r = 0; r < outcomes.size(); ++r) {
    if (!outcomes[r].empty()) throw Error("rank " + std::to_string(r) + " failed: " + outcomes[r]);
  }
}

void average_gradients(const std::vector<at::Tensor>& parameters) {
  Collectives& job = collectives();
  if (job.size() == 1) return;
  std::vector<at::Tensor> grads;
  for (const auto& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  job.allreduce_bucketed(grads, ReduceOp::kSum);
  const at::NoGradGuard no_grad;
  for (auto& g : grads) g.div_(job.size());
}

}  // namespace cairn
