#include "checkpoint/saver/checkpoint_saver.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "cairn/collectives.h"
#include "cairn/errors.h"
#include "cairn/logger.h"
#include "cairn/state_dict.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_writer.h"
#include "checkpoint/saver/conflict_check.h"
#include "checkpoint/saver/glob_filter.h"
#include "checkpoint/saver/latest_link.h"
#include "checkpoint/saver/name_format.h"
#include "checkpoint/sharded/sharded_writer.h"
#include "core/ivalue_convert.h"
#include "core/safe_names.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHistoryKey = "all_saved_checkpoints_to_timestamp";

std::string join(const std::string& folder, const std::string& name) { return (fs::path(folder) / name).string(); }

}  // namespace

CheckpointSaver::CheckpointSaver(CheckpointSaverOptions options)
    : options_(std::move(options)), signing_key_(checkpoint::signing_key(options_.signing_key)) {
  check_options();
  if (const Time* interval = std::get_if<Time>(&options_.save_interval)) {
    should_save_ = create_interval_scheduler(*interval);
  } else {
    // A user predicate decides alone: like Composer, no automatic final save.
    should_save_ = std::get<IntervalScheduler>(options_.save_interval);
    if (!should_save_) throw ConfigError("CheckpointSaver save_interval is an empty function; give a Time or a predicate");
  }
}

CheckpointSaver::~CheckpointSaver() {
  if (!pointer_folder_.empty()) {
    std::error_code ec;
    fs::remove_all(pointer_folder_, ec);
  }
}

void CheckpointSaver::attach(Assembler assembler) { assembler_ = std::move(assembler); }

std::optional<Time> CheckpointSaver::save_interval_time() const {
  if (const Time* interval = std::get_if<Time>(&options_.save_interval)) return *interval;
  return std::nullopt;
}

std::string CheckpointSaver::formatted_folder(const State& state) const {
  return format_name_with_dist(options_.folder, state.run_name, state.dist);
}

std::optional<std::string> CheckpointSaver::formatted_latest_path(const State& state) const {
  if (!options_.latest_filename) return std::nullopt;
  const std::string name = format_name_with_dist(*options_.latest_filename, state.run_name, state.dist);
  return join(formatted_folder(state), name_inside_folder(name, setting("latest_filename"), *options_.latest_filename));
}

std::optional<std::string> CheckpointSaver::formatted_latest_remote_name(const State& state) const {
  if (!options_.latest_remote_file_name) return std::nullopt;
  return name_inside_folder(format_name_with_dist(*options_.latest_remote_file_name, state.run_name, state.dist),
                            setting("latest_remote_file_name"), *options_.latest_remote_file_name);
}

void CheckpointSaver::prepare_folder(const State& state) {
  const std::string folder = formatted_folder(state);
  auto not_writable = [&](const std::string& why) {
    return ConfigError("save_folder '" + folder + "' is not writable (" + why + "); choose a folder you can write");
  };
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw not_writable(ec.message());
  if (!fs::is_directory(folder, ec)) throw not_writable("it exists and is not a directory");
  // Permission bits do not tell the whole story (read-only mounts, ACLs,
  // quotas): finding out now beats failing at the first save hours in.
  const std::string probe = join(folder, ".cairn-write-probe-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(state.dist.global_rank()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw not_writable(std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  folder_lock_ = lock_save_folder(folder);
}

void CheckpointSaver::on_event(Event event, State& state) {
  switch (event) {
    // A monolithic checkpoint is rank 0's alone: only rank 0 makes, locks and
    // checks the folder. Every rank takes part in each step's outcome, so a
    // failure on rank 0 stops the whole job rather than leaving the other
    // ranks waiting in their next collective.
    case Event::INIT:
      fail_together([&] {
        // The run name is part of the folder: checked before anything is made.
        validate_run_name(state.run_name, "run name");
        check_names_for_run(state);
        if (!state.dist.is_rank_zero()) return;
        prepare_folder(state);
        warn_about_settings_that_keep_nothing(state);
      });
      break;
    case Event::FIT_START:
      fail_together([&] {
        if (state.dist.is_rank_zero() && !options_.overwrite && !options_.replace_interrupted_saves) {
          ensure_folder_has_no_conflicting_files(formatted_folder(state), checkpoint_template(), state.run_name,
                                                 state.dist, state.timestamp);
        }
      });
      break;
    case Event::AFTER_BACKWARD:
      // The optimizer step comes next: the snapshot must hold the state before it.
      wait_for_snapshot(state);
      break;
    case Event::BATCH_END:
    case Event::EPOCH_END:
      poll_async_save(state);
      delete_confirmed_uploads(state);
      break;
    case Event::FIT_END:
      join_async_save(state, "the end of fit");
      delete_confirmed_uploads(state);
      break;
    case Event::BATCH_CHECKPOINT:
    case Event::EPOCH_CHECKPOINT:
      // Both events can come at the same batch (the last batch of an epoch):
      // the batch guard keeps that to one file.
      if (should_save_(state, event) && last_checkpoint_batch_ != state.timestamp.batch) save_checkpoint(state);
      break;
    default:
      break;
  }
}

std::string CheckpointSaver::save_checkpoint(State& state) {
  if (!assembler_) {
    throw CheckpointError("CheckpointSaver has no checkpoint assembler; the trainer must call attach() before "
                          "training starts");
  }
  // One save at a time: the staging memory and the pointer are the next save's.
  join_async_save(state, "the next save (" + state.timestamp.to_string() + ")");
  last_checkpoint_batch_ = state.timestamp.batch;
  const std::string path =
      join(formatted_folder(state), local_name(checkpoint_template_key(), checkpoint_template(), state));
  // The pointer's name may hold time fields: checked at every save, before
  // anything is assembled or written.
  // A streamed checkpoint has no local file to point at.
  std::optional<std::string> link;
  if (options_.latest_filename && options_.num_checkpoints_to_keep != 0 && !streams()) {
    const std::string latest = local_name("latest_filename", *options_.latest_filename, state);
    check_latest_name(latest, checkpoint_template(), "latest_filename", state.run_name, state.dist);
    link = join(formatted_folder(state), latest);
    fail_together([&] {
      if (state.dist.is_rank_zero()) ensure_replaceable_pointer(*link);
    });
  }
  // Recorded before assembling, so the checkpoint's copy of this saver's
  // state already lists the checkpoint itself (as Composer does).
  auto known = std::find_if(all_saved_to_timestamp_.begin(), all_saved_to_timestamp_.end(),
                            [&](const auto& entry) { return entry.first == path; });
  if (known != all_saved_to_timestamp_.end()) {
    known->second = state.timestamp;
  } else {
    all_saved_to_timestamp_.emplace_back(path, state.timestamp);
  }
  // Every rank assembles (the RNG states are gathered). A monolithic file is
  // rank 0's; a sharded folder is every rank's. Each step's outcome is every
  // rank's, and doubles as Composer's barrier.
  c10::IValue root = assembler_(state, options_.weights_only);
  apply_ignore_keys(root, state);
  if (sharded() && saves_async() && start_async_shard(root, path, link, state)) {
    async_pending_ = true;
    return state.dist.is_rank_zero() ? path : std::string();
  }
  if (sharded()) {
    write_sharded(root, path, state);
    upload_own_shard(path, state);
  } else if (saves_async()) {
    fail_together([&] {
      if (state.dist.is_rank_zero()) start_async_save(root, path, link, state);
    });
    async_pending_ = true;
    return state.dist.is_rank_zero() ? path : std::string();
  } else {
    fail_together([&] {
      if (state.dist.is_rank_zero()) write_monolithic(root, path, state);
    });
  }
  fail_together([&] {
    if (state.dist.is_rank_zero()) finish_save(path, link, state);
  });
  return state.dist.is_rank_zero() ? path : std::string();
}

const std::string& CheckpointSaver::checkpoint_template() const {
  return sharded() ? options_.sharded_ckpt_prefix_dir : options_.filename;
}

std::string CheckpointSaver::checkpoint_template_key() const {
  return sharded() ? "sharded_ckpt_prefix_dir" : "filename";
}

void CheckpointSaver::apply_ignore_keys(c10::IValue& root, const State& state) const {
  if (options_.ignore_keys.empty()) return;
  for (const std::string& glob : glob_filter(root, options_.ignore_keys)) {
    if (state.logger != nullptr && state.dist.is_rank_zero()) {
      state.logger->warn("save_ignore_keys: no part of the checkpoint matched '" + glob + "'; nothing was removed "
                         "for it (check the path, e.g. 'state/model/*')");
    }
  }
  // A loader expects 'state' even when every part of it was ignored.
  if (root.isGenericDict() && find_key(root, "state") == nullptr) {
    root.toGenericDict().insert("state", make_dict());
  }
}

void CheckpointSaver::check_replaceable_checkpoint(const std::string& path, const State& state) const {
  std::error_code ec;
  const bool exists = fs::symlink_status(path, ec).type() != fs::file_type::not_found && !ec;
  if (exists && !options_.overwrite && options_.replace_interrupted_saves && state.logger != nullptr) {
    state.logger->warn("autoresume: replacing checkpoint '" + path + "', which an interrupted run saved after the "
                       "checkpoint this run resumed from, before its latest pointer moved on");
  }
  if (exists && !options_.overwrite && !options_.replace_interrupted_saves) {
    throw ConfigError("checkpoint '" + path + "' already exists and overwrite is off; delete it, choose another "
                      "save_folder or filename, or set save_overwrite");
  }
}

void CheckpointSaver::prepare_checkpoint_path(const std::string& path, State& state) const {
  check_replaceable_checkpoint(path, state);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) {
    throw CheckpointError("cannot create the folder of checkpoint '" + path + "' (" + ec.message() +
                          "); check the permissions of the save_folder");
  }
}

void CheckpointSaver::write_monolithic(const c10::IValue& root, const std::string& path, State& state) {
  prepare_checkpoint_path(path, state);
  if (streams()) {
    stream_outcome_ = stream_or_write(root, prepare_stream(state), path);
    return;
  }
  checkpoint::write_checkpoint(root, path, checkpoint::CheckpointWriteOptions{false, signing_key_});
}

void CheckpointSaver::write_sharded(const c10::IValue& root, const std::string& path, State& state) {
  clear_sharded_folder(path, state);
  checkpoint::sharded::save_sharded(path, root, collectives());
}

void CheckpointSaver::clear_sharded_folder(const std::string& path, State& state) const {
  fail_together([&] {
    if (!state.dist.is_rank_zero()) return;
    check_replaceable_checkpoint(path, state);
    // A folder being replaced loses its .metadata first, so that until the new
    // one is complete it is no checkpoint at all rather than a mix of two.
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) {
      throw CheckpointError("cannot replace sharded checkpoint '" + path + "' (" + ec.message() +
                            "); check the permissions of the save_folder");
    }
  });
}

void CheckpointSaver::finish_save(const std::string& path, const std::optional<std::string>& link, State& state) {
  if (stream_outcome_) {
    const StreamOutcome outcome = std::move(*stream_outcome_);
    stream_outcome_.reset();
    if (finish_streamed_save(outcome, state)) return;
  }
  ++num_saved_;
  if (std::find(written_paths_.begin(), written_paths_.end(), path) == written_paths_.end()) {
    written_paths_.push_back(path);
  }

  if (link) point_latest_at(path, *link);

  // Re-saving a name (overwrite on) must not leave a second entry that
  // rotation would later use to delete the current file.
  saved_checkpoints_.erase(std::remove(saved_checkpoints_.begin(), saved_checkpoints_.end(), path),
                           saved_checkpoints_.end());
  awaiting_deletion_.erase(std::remove(awaiting_deletion_.begin(), awaiting_deletion_.end(), path),
                           awaiting_deletion_.end());
  saved_checkpoints_.push_back(path);
  hand_over_for_upload(path, state);
  rotate(state);

  if (state.logger != nullptr) {
    state.logger->info("Saved checkpoint '" + path + "' at " + state.timestamp.to_string());
  }
}

void CheckpointSaver::point_latest_at(const std::string& checkpoint_path, const std::string& link) const {
  replace_symlink(link, checkpoint_path);
}

size_t CheckpointSaver::num_kept() const {
  // Streamed checkpoints are never rotated away.
  size_t kept = size_t(std::count_if(saved_checkpoints_.begin(), saved_checkpoints_.end(),
                                     [](const std::string& name) { return !Uri::parse(name).is_local(); }));
  for (const std::string& path : written_paths_) {
    std::error_code ec;
    if (fs::symlink_status(path, ec).type() != fs::file_type::not_found && !ec) ++kept;
  }
  return kept;
}

void CheckpointSaver::rotate(State& state) {
  if (options_.num_checkpoints_to_keep < 0) return;
  const size_t keep = size_t(options_.num_checkpoints_to_keep);
  // Streamed checkpoints (listed by URI) stay in the store, as Composer keeps
  // every uploaded one: only local files count and go.
  const auto is_local = [](const std::string& name) { return Uri::parse(name).is_local(); };
  while (size_t(std::count_if(saved_checkpoints_.begin(), saved_checkpoints_.end(), is_local)) > keep) {
    const auto oldest = std::find_if(saved_checkpoints_.begin(), saved_checkpoints_.end(), is_local);
    const std::string path = *oldest;
    if (uploads_.count(path) != 0) {
      awaiting_deletion_.push_back(path);
      saved_checkpoints_.erase(oldest);
      continue;
    }
    std::error_code ec;
    fs::remove_all(path, ec);  // a sharded checkpoint is a folder
    if (ec) {
      throw CheckpointError("cannot remove old checkpoint '" + path + "' (" + ec.message() +
                            ") for num_checkpoints_to_keep=" + std::to_string(options_.num_checkpoints_to_keep) +
                            "; check the save_folder's permissions");
    }
    saved_checkpoints_.erase(oldest);
  }
  delete_confirmed_uploads(state);
}

void CheckpointSaver::close(State& state) noexcept {
  // A run that ends without FIT_END (an error, a stop) still finishes the save
  // in flight; rank 0 alone, since the other ranks may be gone. A sharded
  // folder needs every rank to publish it, so it is left unpublished.
  if (in_flight_ && sharded()) {
    in_flight_->wait();
    in_flight_.reset();
    if (state.logger != nullptr && state.dist.is_rank_zero()) {
      state.logger->warn("the asynchronous sharded save of '" + in_flight_path_ + "' was not published (the run "
                         "ended before its ranks could finish it together); the folder has no .metadata and cannot "
                         "be loaded");
    }
  } else if (in_flight_) {
    in_flight_->wait();
    try {
      complete_async_save(state);
    } catch (const std::exception& e) {
      if (state.logger != nullptr) state.logger->warn(e.what());
    }
  }
  async_pending_ = false;
  try {
    delete_confirmed_uploads(state);
  } catch (...) {
    // close must not throw; what is left stays on disk.
  }
  folder_lock_.reset();
}

c10::IValue CheckpointSaver::state_dict() const {
  c10::impl::GenericList history(c10::AnyType::get());
  for (const auto& [name, ts] : all_saved_to_timestamp_) {
    c10::impl::GenericList pair(c10::AnyType::get());
    pair.push_back(name);
    pair.push_back(timestamp_to_ivalue(ts));
    history.push_back(pair);
  }
  auto dict = make_dict();
  dict.insert(kHistoryKey, history);
  return dict;
}

void CheckpointSaver::load_state_dict(const c10::IValue& state) {
  const c10::IValue* history = find_key(state, kHistoryKey);
  if (history == nullptr) return;  // checkpoints written before the key existed
  const std::string where = std::string("CheckpointSaver state/") + kHistoryKey;
  if (!history->isList()) throw CheckpointError(where + " is not a list of [name, timestamp] pairs");
  std::vector<std::pair<std::string, Timestamp>> restored;
  for (const c10::IValue& entry : history->toList()) {
    std::vector<c10::IValue> pair;
    if (entry.isList()) {
      for (const c10::IValue& v : entry.toList()) pair.push_back(v);
    } else if (entry.isTuple()) {
      pair = entry.toTupleRef().elements().vec();
    }
    if (pair.size() != 2 || !pair[0].isString()) {
      throw CheckpointError(where + " holds an entry that is not a [name, timestamp] pair");
    }
    const std::string name = pair[0].toStringRef();
    restored.emplace_back(name, timestamp_from_ivalue(pair[1], where + "[" + name + "]"));
  }
  all_saved_to_timestamp_ = std::move(restored);
}

}  // namespace cairn
