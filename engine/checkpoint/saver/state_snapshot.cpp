#include "checkpoint/saver/state_snapshot.h"

#include <cstring>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "cairn/errors.h"
#include "checkpoint/io/storage_map.h"

namespace cairn::checkpoint {
namespace {

// Pieces of a parallel copy: large enough that a thread's start-up is noise.
constexpr int64_t kParallelCopyGrain = int64_t{4} << 20;

at::Tensor bytes_of(const at::Storage& storage) {
  return at::empty({0}, at::TensorOptions().dtype(at::kByte).device(storage.device()))
      .set_(storage, 0, {static_cast<int64_t>(storage.nbytes())}, {1});
}

// Host to host: memcpy, in parallel pieces on the training thread (whose
// time is what a snapshot costs), in one piece off it. Anything else (a GPU
// source): a tensor copy, which synchronises with the device.
void copy_storage(const at::Storage& source, at::Storage& target, bool parallel) {
  const size_t size = source.nbytes();
  if (size == 0) return;
  if (!source.device().is_cpu()) {
    bytes_of(target).copy_(bytes_of(source));
    return;
  }
  auto* to = static_cast<char*>(target.data());
  const auto* from = static_cast<const char*>(source.data());
  if (!parallel) {
    std::memcpy(to, from, size);
    return;
  }
  at::parallel_for(0, static_cast<int64_t>(size), kParallelCopyGrain, [&](int64_t begin, int64_t end) {
    std::memcpy(to + begin, from + begin, static_cast<size_t>(end - begin));
  });
}

at::Storage host_storage(size_t nbytes) { return at::empty({static_cast<int64_t>(nbytes)}, at::kByte).storage(); }

}  // namespace

void StateSnapshot::copy_deferred() {
  for (DeferredCopy& copy : deferred_) {
    copy_storage(copy.source, copy.target, /*parallel=*/false);
    // Checked right after each copy: the saver makes the trainer wait for
    // this function before the optimizer step and before any algorithm, so a
    // change seen here came from a callback or the model's own forward.
    if (copy.live._version() != copy.version) {
      throw CheckpointError("an asynchronous checkpoint's tensor of " + std::to_string(copy.source.nbytes()) +
                            " bytes changed after the save event and before it was copied; a callback or the "
                            "model changes parameters or optimizer state outside the optimizer step and the "
                            "algorithms: set save_async_snapshot to 'eager'");
    }
  }
  // The live storages may be freed or resized by training from now on.
  for (DeferredCopy& copy : deferred_) {
    copy.live = at::Tensor();
    copy.source = at::Storage();
  }
}

uint64_t SnapshotStaging::bytes_needed(const c10::IValue& root) {
  uint64_t bytes = 0;
  map_storages(root, [&](const at::Tensor&, const at::Storage& storage) {
    bytes += storage.nbytes();
    return storage;
  });
  return bytes;
}

uint64_t SnapshotStaging::bytes_held() const {
  uint64_t bytes = 0;
  for (const at::Storage& storage : pool_) bytes += storage.nbytes();
  return bytes;
}

StateSnapshot SnapshotStaging::take(const c10::IValue& root, const DeferPredicate& defer) {
  StateSnapshot snapshot;
  std::vector<at::Storage> used;
  snapshot.root_ = map_storages(root, [&](const at::Tensor& first_view, const at::Storage& storage) {
    const size_t index = used.size();
    at::Storage target = index < pool_.size() && pool_[index].nbytes() == storage.nbytes()
                             ? pool_[index]
                             : host_storage(storage.nbytes());
    used.push_back(target);
    snapshot.bytes_ += storage.nbytes();
    if (defer(storage)) {
      snapshot.deferred_.push_back({first_view, first_view._version(), storage, target});
      snapshot.deferred_bytes_ += storage.nbytes();
    } else {
      copy_storage(storage, target, /*parallel=*/true);
    }
    return target;
  });
  pool_ = std::move(used);
  return snapshot;
}

}  // namespace cairn::checkpoint
