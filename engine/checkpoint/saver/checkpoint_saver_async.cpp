// Asynchronous saves (CheckpointSaverOptions::async): the snapshot, the
// background write, and how its end reaches every rank.
//
// Only rank 0 writes a full checkpoint, so only rank 0 has a save in flight;
// but every rank knows when one started (save events are the same on every
// rank), and until it is joined every rank takes part in one fail_together per
// BATCH_END / EPOCH_END, in which rank 0 finishes the save if it is done. A
// failed background write thus stops every rank at the same event, with rank
// 0's cause, as a failed synchronous save does.
//
// A sharded checkpoint is every rank's: each snapshots the state and writes
// its own data file in the background; at each BATCH_END / EPOCH_END the
// ranks ask one another whether all are done, and the first event at which
// they are, they publish the folder together (.metadata, uploads, pointer),
// as a synchronous sharded save does right away.
#include <torch/nn/module.h>

#include <cstdio>
#include <unordered_set>

#include "cairn/collectives.h"
#include "cairn/errors.h"
#include "cairn/logger.h"
#include "checkpoint/io/checkpoint_writer.h"
#include "checkpoint/io/storage_map.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/sharded/sharded_writer.h"
#include "core/ivalue_convert.h"
#include "core/one_line.h"

namespace cairn {
namespace {

using Seconds = std::chrono::duration<double>;

constexpr uint64_t kMiB = uint64_t{1} << 20;

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", seconds);
  return text;
}

// The storages only the next optimizer step changes: the model's parameters
// and everything under the checkpoint's state/optimizers.
std::unordered_set<const void*> storages_changed_only_by_the_optimizer(const c10::IValue& root, State& state) {
  std::unordered_set<const void*> storages;
  if (state.model != nullptr) {
    for (const at::Tensor& p : state.model->module()->parameters()) {
      if (p.defined() && p.has_storage()) storages.insert(p.storage().unsafeGetStorageImpl());
    }
  }
  const c10::IValue* section = find_key(root, "state");
  const c10::IValue* optimizers = section != nullptr ? find_key(*section, "optimizers") : nullptr;
  if (optimizers != nullptr) {
    checkpoint::map_storages(*optimizers, [&](const at::Tensor&, const at::Storage& s) {
      storages.insert(s.unsafeGetStorageImpl());
      return s;
    });
  }
  return storages;
}

// finish_save names the checkpoint's objects and logs it from the state's
// timestamp: during it, the state is back at the time the checkpoint was
// taken, not at the batch where the background save was found finished.
class TimestampRewind {
 public:
  TimestampRewind(State& state, const Timestamp& saved_at) : state_(state), now_(state.timestamp) {
    state_.timestamp = saved_at;
  }
  ~TimestampRewind() { state_.timestamp = now_; }

 private:
  State& state_;
  Timestamp now_;
};

// Whether `mine` holds on every rank of the job.
bool every_rank(bool mine) {
  for (const std::string& answer : collectives().allgather_bytes(mine ? "1" : "0"))
    if (answer != "1") return false;
  return true;
}

}  // namespace

bool CheckpointSaver::over_memory_limit(uint64_t needed, State& state) {
  const uint64_t limit = uint64_t(options_.async_memory_limit_mib) * kMiB;
  if (limit == 0 || needed <= limit) return false;
  ++async_stats_.over_memory_limit;
  if (!warned_over_memory_limit_ && state.logger != nullptr) {
    warned_over_memory_limit_ = true;
    state.logger->warn("the checkpoint's state needs " + std::to_string((needed + kMiB - 1) / kMiB) +
                       " MiB of snapshot memory, over " + setting("async_memory_limit_mib") + "=" +
                       std::to_string(options_.async_memory_limit_mib) +
                       "; such checkpoints are saved synchronously (raise the limit to save them in the background)");
  }
  return true;
}

checkpoint::StateSnapshot CheckpointSaver::take_snapshot(const c10::IValue& root, State& state) {
  if (!staging_) staging_ = std::make_unique<checkpoint::SnapshotStaging>();
  std::unordered_set<const void*> deferrable;
  if (options_.async_snapshot == "lazy") deferrable = storages_changed_only_by_the_optimizer(root, state);
  return staging_->take(root, [&](const at::Storage& s) { return deferrable.count(s.unsafeGetStorageImpl()) != 0; });
}

void CheckpointSaver::start_async_save(const c10::IValue& root, const std::string& path,
                                       const std::optional<std::string>& link, State& state) {
  const auto started = std::chrono::steady_clock::now();
  if (over_memory_limit(checkpoint::SnapshotStaging::bytes_needed(root), state)) {
    write_monolithic(root, path, state);
    finish_save(path, link, state);
    return;
  }
  prepare_checkpoint_path(path, state);
  auto snapshot = std::make_shared<checkpoint::StateSnapshot>(take_snapshot(root, state));

  const checkpoint::CheckpointWriteOptions write_options{false, signing_key_};
  // Named here, on the training thread, where the state is.
  std::optional<StreamTarget> stream_target;
  if (streams()) stream_target = prepare_stream(state);
  in_flight_outcome_ = std::make_shared<std::optional<StreamOutcome>>();
  in_flight_ = std::make_unique<BackgroundSave>(
      [snapshot] { snapshot->copy_deferred(); },
      [this, snapshot, path, link, write_options, stream_target, outcome = in_flight_outcome_] {
        // Same checks and order as a synchronous save: the folder, the file
        // (published whole), then the pointer at it.
        if (stream_target) {
          *outcome = stream_or_write(snapshot->root(), *stream_target, path);
          return;
        }
        checkpoint::write_checkpoint(snapshot->root(), path, write_options);
        if (link) point_latest_at(path, *link);
      });
  in_flight_path_ = path;
  in_flight_name_ = stream_target ? stream_store_->get_uri(stream_target->object) : path;
  in_flight_timestamp_ = state.timestamp;
  in_flight_started_ = started;
  async_stats_.blocked_seconds += Seconds(std::chrono::steady_clock::now() - started).count();
}

bool CheckpointSaver::start_async_shard(const c10::IValue& root, const std::string& path,
                                       const std::optional<std::string>& link, State& state) {
  const auto started = std::chrono::steady_clock::now();
  // The ranks publish the folder together, so all save it the same way.
  if (!every_rank(!over_memory_limit(checkpoint::SnapshotStaging::bytes_needed(root), state))) return false;
  clear_sharded_folder(path, state);
  const int rank = collectives().rank();
  const int world = collectives().size();
  auto mine = std::make_shared<checkpoint::sharded::RankWriteResult>();
  try {
    fail_together([&] {
      auto snapshot = std::make_shared<checkpoint::StateSnapshot>(take_snapshot(root, state));
      in_flight_ = std::make_unique<BackgroundSave>(
          [snapshot] { snapshot->copy_deferred(); },
          [snapshot, mine, path, rank, world] {
            *mine = checkpoint::sharded::write_own_file(path, snapshot->root(), rank, world);
          });
    });
  } catch (...) {
    in_flight_.reset();
    throw;
  }
  in_flight_shard_ = std::move(mine);
  in_flight_link_ = link;
  in_flight_path_ = path;
  in_flight_name_ = path;
  in_flight_timestamp_ = state.timestamp;
  in_flight_started_ = started;
  async_stats_.blocked_seconds += Seconds(std::chrono::steady_clock::now() - started).count();
  return true;
}

void CheckpointSaver::complete_async_shard(State& state) {
  const std::unique_ptr<BackgroundSave> save = std::move(in_flight_);
  const std::shared_ptr<checkpoint::sharded::RankWriteResult> written = std::move(in_flight_shard_);
  checkpoint::sharded::RankWriteResult mine;
  mine.rank = collectives().rank();
  mine.world = collectives().size();
  if (save && written) {
    mine = *written;
    // A failed snapshot (a tensor changed before its deferred copy) never
    // reached write_own_file, which reports its own failures in the result.
    try {
      save->rethrow_error();
    } catch (const std::exception& e) {
      mine.error = "rank " + std::to_string(mine.rank) + ": " + exception_line(e);
    }
  } else {
    mine.error = "rank " + std::to_string(mine.rank) + ": no asynchronous save was in flight on this rank";
  }
  const std::string path = in_flight_path_;
  TimestampRewind rewind(state, in_flight_timestamp_);
  checkpoint::sharded::publish_sharded(path, mine, collectives());
  upload_own_shard(path, state);
  fail_together([&] {
    if (state.dist.is_rank_zero()) finish_save(path, in_flight_link_, state);
  });
  ++async_stats_.saves;
  if (state.logger != nullptr && state.dist.is_rank_zero()) {
    const double took = Seconds(std::chrono::steady_clock::now() - in_flight_started_).count();
    state.logger->info("sharded checkpoint '" + path + "' was written in the background in " + seconds_text(took) +
                       "; training was blocked " + seconds_text(async_stats_.blocked_seconds) +
                       " by asynchronous saves so far");
  }
}

void CheckpointSaver::wait_for_snapshot(State&) {
  if (!in_flight_ || in_flight_->snapshot_done()) return;
  async_stats_.blocked_seconds += in_flight_->wait_for_snapshot().count();
}

void CheckpointSaver::poll_async_save(State& state) {
  if (!async_pending_) return;
  if (sharded()) {
    if (!every_rank(!in_flight_ || in_flight_->done())) return;
    async_pending_ = false;
    complete_async_shard(state);
    return;
  }
  fail_together([&] {
    if (in_flight_ && in_flight_->done()) complete_async_save(state);
  });
}

void CheckpointSaver::join_async_save(State& state, const std::string& why) {
  if (!async_pending_) return;
  async_pending_ = false;
  const auto wait_logged = [&] {
    if (!in_flight_ || in_flight_->done()) return;
    const double waited = in_flight_->wait().count();
    ++async_stats_.waits;
    async_stats_.waited_seconds += waited;
    if (state.logger != nullptr && state.dist.is_rank_zero()) {
      state.logger->info("waited " + seconds_text(waited) + " at " + why + " for the asynchronous save of '" +
                         in_flight_name_ + "' to finish");
    }
  };
  if (sharded()) {
    wait_logged();
    complete_async_shard(state);
    return;
  }
  fail_together([&] {
    if (!in_flight_) return;
    wait_logged();
    complete_async_save(state);
  });
}

void CheckpointSaver::complete_async_save(State& state) {
  std::unique_ptr<BackgroundSave> save = std::move(in_flight_);
  const std::string path = in_flight_path_;
  const std::shared_ptr<std::optional<StreamOutcome>> outcome = std::move(in_flight_outcome_);
  try {
    save->rethrow_error();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw CheckpointError("the asynchronous save of checkpoint '" + in_flight_name_ + "' failed: " + e.what());
  }
  ++async_stats_.saves;
  const double took = Seconds(std::chrono::steady_clock::now() - in_flight_started_).count();
  // The pointer moved on the save's thread, right after the file was published.
  {
    TimestampRewind rewind(state, in_flight_timestamp_);
    if (outcome) stream_outcome_ = *outcome;
    finish_save(path, std::nullopt, state);
  }
  if (state.logger != nullptr) {
    state.logger->info("checkpoint '" + in_flight_name_ + "' was written in the background in " + seconds_text(took) +
                       "; training was blocked " + seconds_text(async_stats_.blocked_seconds) +
                       " by asynchronous saves so far");
  }
}

}  // namespace cairn
