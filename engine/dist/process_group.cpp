#include "dist/process_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>

#include "cairn/errors.h"
#include "core/one_line.h"

namespace cairn::dist {
namespace {

std::string seconds_text(std::chrono::milliseconds timeout) {
  std::ostringstream out;
  out << static_cast<double>(timeout.count()) / 1000 << " s";
  return out.str();
}

c10d::ReduceOp to_c10d(ReduceOp op) {
  switch (op) {
    case ReduceOp::kMin: return c10d::ReduceOp::MIN;
    case ReduceOp::kMax: return c10d::ReduceOp::MAX;
    case ReduceOp::kSum: break;
  }
  return c10d::ReduceOp::SUM;
}

// Gloo's transport device: GLOO_SOCKET_IFNAME as Python honours it; loopback
// when the whole job is on this machine (the hostname may not resolve in a
// sandbox); otherwise the address this host's name resolves to, as Python's default.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface != nullptr && *interface != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (master_addr == "localhost" || master_addr.rfind("127.", 0) == 0) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// c10d writes its own account of a failed connect to stderr (glog) before it
// throws; Cairn reports that failure itself, in one line. Quiet while joining.
class QuietC10dLog {
 public:
  QuietC10dLog() : saved_(FLAGS_minloglevel) { FLAGS_minloglevel = std::max(saved_, google::GLOG_FATAL); }
  ~QuietC10dLog() { FLAGS_minloglevel = saved_; }
  QuietC10dLog(const QuietC10dLog&) = delete;
  QuietC10dLog& operator=(const QuietC10dLog&) = delete;

 private:
  int saved_;
};

// What failed, in a user's words: Work::wait's own timeout says only "Operation timed out!".
std::string cause_of(const std::exception& e) {
  const std::string line = exception_line(e);
  return line == "Operation timed out!" ? "no answer from every rank within dist_timeout" : line;
}

}  // namespace

struct ProcessGroup::Impl {
  std::string who;  // "rank R of N", the start of every error
  std::chrono::milliseconds timeout;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;

  [[noreturn]] void fail(const std::string& operation, const std::exception& e) const {
    throw Error(who + ": " + operation + " failed: " + cause_of(e) + " (a rank died, hung or disagreed; " +
                "dist_timeout is " + seconds_text(timeout) + ")");
  }

  // Runs `start`, waits for its Work, and turns any failure into one line.
  void run(const std::string& operation, const std::function<c10::intrusive_ptr<c10d::Work>()>& start) const {
    try {
      auto work = start();
      work->wait(timeout);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(operation, e);
    }
  }

  // A contiguous tensor to hand to Gloo, and the copy back into `target` when
  // it was not one already.
  void on_contiguous(at::Tensor& target, const std::function<void(at::Tensor&)>& use) const {
    if (target.is_contiguous()) {
      use(target);
      return;
    }
    at::Tensor packed = target.contiguous();
    use(packed);
    target.copy_(packed);
  }

  // Runs `collective` on flat buffers that hold `tensors` in buckets of one
  // dtype and at most `bucket_bytes` (a bigger tensor goes alone), then copies
  // the results back when `copy_back`. Buckets keep the tensors' order, so
  // every rank builds the same buckets from the same list.
  void in_buckets(std::vector<at::Tensor>& tensors, size_t bucket_bytes, bool copy_back,
                  const std::function<void(std::vector<at::Tensor>&)>& collective) const {
    const at::NoGradGuard no_grad;  // parameters are written in place
    std::map<at::ScalarType, std::vector<std::vector<size_t>>> buckets;
    std::map<at::ScalarType, size_t> filled;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const at::ScalarType type = tensors[i].scalar_type();
      const size_t bytes = static_cast<size_t>(tensors[i].numel()) * tensors[i].element_size();
      auto& list = buckets[type];
      if (list.empty() || filled[type] + bytes > bucket_bytes) {
        list.emplace_back();
        filled[type] = 0;
      }
      list.back().push_back(i);
      filled[type] += bytes;
    }
    for (auto& [type, list] : buckets) {
      for (const auto& bucket : list) {
        std::vector<at::Tensor> flat_parts;
        for (size_t i : bucket) flat_parts.push_back(tensors[i].reshape({-1}));
        std::vector<at::Tensor> one{at::cat(flat_parts)};
        collective(one);
        if (!copy_back) continue;
        int64_t offset = 0;
        for (size_t i : bucket) {
          const int64_t n = tensors[i].numel();
          tensors[i].copy_(one[0].narrow(0, offset, n).view(tensors[i].sizes()));
          offset += n;
        }
      }
    }
  }
};

ProcessGroup::ProcessGroup() = default;
ProcessGroup::~ProcessGroup() = default;

ProcessGroup::ProcessGroup(const RendezvousOptions& options) : rank_(options.rank), size_(options.world_size) {
  if (options.single_process()) return;
  impl_ = std::make_unique<Impl>();
  impl_->who = "rank " + std::to_string(rank_) + " of " + std::to_string(size_);
  impl_->timeout = options.timeout;
  const QuietC10dLog quiet;
  const std::string where = options.master_addr + ":" + std::to_string(options.master_port);
  c10d::TCPStoreOptions store_options;
  store_options.port = options.master_port;
  store_options.isServer = !options.agent_store && rank_ == 0;  // under torchrun the agent hosts it
  store_options.numWorkers = static_cast<size_t>(size_);
  store_options.waitWorkers = false;
  store_options.timeout = options.timeout;
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
  } catch (const std::exception& e) {
    const std::string role = store_options.isServer ? "cannot host the rendezvous store on " : "cannot reach the rendezvous store at ";
    throw Error(impl_->who + ": " + role + where + " (MASTER_ADDR:MASTER_PORT) within " +
                seconds_text(options.timeout) + ": " + exception_line(e));
  }
  if (options.agent_store) {
    impl_->store = c10::make_intrusive<c10d::PrefixStore>(options.store_prefix(), impl_->store);
  }
  impl_->store = c10::make_intrusive<c10d::PrefixStore>("cairn", impl_->store);
  try {
    auto group_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
    group_options->devices.push_back(gloo_device(options.master_addr));
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, rank_, size_, group_options);
  } catch (const std::exception& e) {
    throw Error(impl_->who + ": joining the process group through " + where + " failed within " +
                seconds_text(options.timeout) + ": " + exception_line(e) +
                " (did every rank start, with the same WORLD_SIZE?)");
  }
}

void ProcessGroup::broadcast(std::vector<at::Tensor>& tensors, int root) {
  if (!impl_) return;
  const at::NoGradGuard no_grad;  // parameters are written in place
  c10d::BroadcastOptions options;
  options.rootRank = root;
  for (auto& tensor : tensors) {
    impl_->on_contiguous(tensor, [&](at::Tensor& t) {
      std::vector<at::Tensor> one{t};
      impl_->run("broadcast from rank " + std::to_string(root), [&] { return impl_->group->broadcast(one, options); });
    });
  }
}

void ProcessGroup::allreduce(std::vector<at::Tensor>& tensors, ReduceOp op) {
  if (!impl_) return;
  const at::NoGradGuard no_grad;
  c10d::AllreduceOptions options;
  options.reduceOp = to_c10d(op);
  // c10d reduces a vector's tensors into one (one per device): one call each.
  for (auto& tensor : tensors) {
    impl_->on_contiguous(tensor, [&](at::Tensor& t) {
      std::vector<at::Tensor> one{t};
      impl_->run("allreduce", [&] { return impl_->group->allreduce(one, options); });
    });
  }
}

void ProcessGroup::allreduce_bucketed(std::vector<at::Tensor>& tensors, ReduceOp op, size_t bucket_bytes) {
  if (!impl_) return;
  c10d::AllreduceOptions options;
  options.reduceOp = to_c10d(op);
  impl_->in_buckets(tensors, bucket_bytes, true, [&](std::vector<at::Tensor>& flat) {
    impl_->run("bucketed allreduce", [&] { return impl_->group->allreduce(flat, options); });
  });
}

void ProcessGroup::broadcast_bucketed(std::vector<at::Tensor>& tensors, int root, size_t bucket_bytes) {
  if (!impl_) return;
  c10d::BroadcastOptions options;
  options.rootRank = root;
  impl_->in_buckets(tensors, bucket_bytes, rank_ != root, [&](std::vector<at::Tensor>& flat) {
    impl_->run("bucketed broadcast from rank " + std::to_string(root),
               [&] { return impl_->group->broadcast(flat, options); });
  });
}

std::vector<std::string> ProcessGroup::allgather_bytes(const std::string& mine) {
  if (!impl_) return {mine};
  // Gloo gathers equal shapes: the lengths first, then every string padded to the longest.
  std::vector<at::Tensor> my_size{at::full({1}, static_cast<int64_t>(mine.size()), at::kLong)};
  std::vector<std::vector<at::Tensor>> sizes(1);
  for (int r = 0; r < size_; ++r) sizes[0].push_back(at::empty({1}, at::kLong));
  impl_->run("allgather of byte lengths", [&] { return impl_->group->allgather(sizes, my_size); });
  int64_t longest = 0;
  for (const auto& s : sizes[0]) longest = std::max(longest, s.item<int64_t>());
  std::vector<std::string> out(size_);
  if (longest == 0) return out;
  std::vector<at::Tensor> padded{at::zeros({longest}, at::kByte)};
  std::copy(mine.begin(), mine.end(), reinterpret_cast<char*>(padded[0].data_ptr<uint8_t>()));
  std::vector<std::vector<at::Tensor>> gathered(1);
  for (int r = 0; r < size_; ++r) gathered[0].push_back(at::empty({longest}, at::kByte));
  impl_->run("allgather of bytes", [&] { return impl_->group->allgather(gathered, padded); });
  for (int r = 0; r < size_; ++r) {
    const int64_t length = sizes[0][r].item<int64_t>();
    if (length < 0 || length > longest) {
      throw Error(impl_->who + ": allgather of bytes: rank " + std::to_string(r) + " sent a bad length");
    }
    out[r].assign(reinterpret_cast<const char*>(gathered[0][r].data_ptr<uint8_t>()), static_cast<size_t>(length));
  }
  return out;
}

std::string ProcessGroup::broadcast_bytes(const std::string& bytes) {
  if (!impl_) return bytes;
  c10d::BroadcastOptions options;
  options.rootRank = 0;
  std::vector<at::Tensor> length{at::full({1}, static_cast<int64_t>(rank_ == 0 ? bytes.size() : 0), at::kLong)};
  impl_->run("broadcast of byte length from rank 0", [&] { return impl_->group->broadcast(length, options); });
  const int64_t n = length[0].item<int64_t>();
  if (n < 0) throw Error(impl_->who + ": broadcast of bytes from rank 0: received a negative length");
  if (n == 0) return {};
  std::vector<at::Tensor> buffer{at::empty({n}, at::kByte)};
  if (rank_ == 0) std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(buffer[0].data_ptr<uint8_t>()));
  impl_->run("broadcast of bytes from rank 0", [&] { return impl_->group->broadcast(buffer, options); });
  return std::string(reinterpret_cast<const char*>(buffer[0].data_ptr<uint8_t>()), static_cast<size_t>(n));
}

void ProcessGroup::barrier() {
  if (!impl_) return;
  impl_->run("barrier", [&] { return impl_->group->barrier(); });
}

std::unique_ptr<ProcessGroup> join_from_environment(std::chrono::milliseconds timeout) {
  return std::make_unique<ProcessGroup>(RendezvousOptions::from_environment(timeout));
}

}  // namespace cairn::dist
