#include "saver_fixtures.h"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <ATen/ATen.h>

#include "cairn/state_dict.h"
#include "checkpoint/saver/folder_lock.h"
#include "core/ivalue_convert.h"

namespace cairn::test {

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

State make_state(const std::string& run_name, const std::string& max_duration, int64_t batches_per_epoch) {
  State state;
  state.run_name = run_name;
  state.max_duration = Time::parse(max_duration);
  state.dataloader_len = batches_per_epoch;
  return state;
}

c10::IValue CountingAssembler::operator()(const State& state, bool weights_only) {
  ++calls;
  auto model = make_dict();
  model.insert("weight", at::arange(6, at::kFloat).reshape({2, 3}) + double(state.timestamp.batch));
  auto inner = make_dict();
  inner.insert("model", model);
  auto root = make_dict();
  if (!weights_only) {
    inner.insert("timestamp", timestamp_to_ivalue(state.timestamp));
    inner.insert("run_name", state.run_name);
    auto callbacks = make_dict();
    if (saver != nullptr) callbacks.insert("CheckpointSaver", saver->state_dict());
    inner.insert("callbacks", callbacks);
    auto rng_entry = make_dict();
    rng_entry.insert("seed", int64_t(7));
    c10::impl::GenericList rng(c10::AnyType::get());
    rng.push_back(rng_entry);
    root.insert("rng", rng);
  }
  root.insert("state", inner);
  return root;
}

namespace {

bool reached(const State& state) {
  return double(state.timestamp.get(state.max_duration.unit())) >= state.max_duration.value();
}

}  // namespace

void run_fit(State& state, Callback& callback, const LoopShape& shape) {
  callback.on_event(Event::FIT_START, state);
  while (!reached(state)) {
    callback.on_event(Event::EPOCH_START, state);
    bool finished_early = false;
    for (int64_t b = 0; b < shape.batches_per_epoch; ++b) {
      state.previous_timestamp = state.timestamp;
      state.timestamp.to_next_batch(shape.batch_size, shape.batch_size * shape.tokens_per_sample, 1.0);
      callback.on_event(Event::BATCH_END, state);
      callback.on_event(Event::BATCH_CHECKPOINT, state);
      if (reached(state)) {
        finished_early = true;
        break;
      }
    }
    // As Composer: the epoch events fire when the dataloader ran out, also
    // when the run ended exactly on its last batch.
    if (!finished_early || state.timestamp.batch_in_epoch == shape.batches_per_epoch) {
      state.previous_timestamp = state.timestamp;
      state.timestamp.to_next_epoch();
      callback.on_event(Event::EPOCH_END, state);
      callback.on_event(Event::EPOCH_CHECKPOINT, state);
    }
  }
  callback.on_event(Event::FIT_END, state);
}

std::vector<std::string> list_folder(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    // The lock of a saver still running, not one of its files.
    if (entry.path().filename() != kFolderLockName) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace cairn::test
