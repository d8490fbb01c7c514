// The CheckpointSaver callback: Composer's checkpoint_saver.py.
//
// The trainer builds one from its save_* options (or a user enables it as a
// callback), calls attach() with the function that assembles a checkpoint
// dict, and dispatches events to it. At INIT the folder is created and checked
// for writability and locked against other runs (folder_lock.h); at
// FIT_START it refuses to run over files from its own
// future (unless overwrite); at BATCH_CHECKPOINT / EPOCH_CHECKPOINT it saves
// when the interval says so, points the "latest" symlink at the new file and
// rotates old files of this run.
//
// Uploads: each checkpoint is handed on as `remote_file_name`, followed by the
// remote "latest" pointer `<latest_remote_file_name>.symlink`, whose content is
// the checkpoint's object name. Both go to the run's logger, which passes them
// to every upload destination (a RemoteUploaderDownloader: the user's, or the
// one the trainer opened for a URI save_folder). A rotated-out local file whose
// upload a destination tracks is deleted only once the upload is confirmed,
// and kept, with a warning, if it failed.
//
// A sharded checkpoint goes up as a folder beside that name (Composer's
// `<dirname>/<sharded_ckpt_prefix_dir>/`): every rank sends its own data file
// and waits until the store confirms it (a rank that cannot reach the store
// fails the save on every rank); then rank 0 sends `.metadata`, which makes
// the folder a checkpoint, and the pointer, which names the folder.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/ivalue.h>
#include <nlohmann/json.hpp>

#include "checkpoint/io/checkpoint_keys.h"
#include "cairn/callback.h"
#include "cairn/checkpoint_writer.h"
#include "cairn/logger_destination.h"
#include "cairn/object_store.h"
#include "cairn/state.h"
#include "checkpoint/saver/background_save.h"
#include "checkpoint/saver/folder_lock.h"
#include "checkpoint/saver/interval.h"
#include "checkpoint/saver/state_snapshot.h"

namespace cairn::checkpoint::sharded {
struct RankWriteResult;
}

namespace cairn {

struct CheckpointSaverOptions {
  // Dist fields only ({run_name}, {rank}, ...).
  std::string folder = "{run_name}/checkpoints";
  // Relative to folder; dist and time fields. The extension picks the format.
  std::string filename = "ep{epoch}-ba{batch}-rank{rank}.pt";
  // Relative to folder; empty: no "latest" symlink.
  std::optional<std::string> latest_filename = std::string("latest-rank{rank}.pt");
  SaveInterval save_interval = Time(1, TimeUnit::EPOCH);
  bool overwrite = false;
  // Newest N files of this run are kept; -1 keeps all; 0 keeps none (and no symlink).
  int num_checkpoints_to_keep = -1;
  bool weights_only = false;
  // Globs over checkpoint paths removed before writing (see glob_filter.h).
  std::vector<std::string> ignore_keys;
  // Object names for uploads (dist and time fields; a leading '/' is
  // dropped); empty: no upload / no remote pointer. Composer's defaults.
  std::optional<std::string> remote_file_name = std::string("{run_name}/checkpoints/ep{epoch}-ba{batch}-rank{rank}.pt");
  std::optional<std::string> latest_remote_file_name = std::string("{run_name}/checkpoints/latest-rank{rank}.pt");
  // Errors name the settings as the Trainer's save_* arguments (save_filename,
  // ...) rather than as this callback's (CheckpointSaver filename, ...).
  bool named_as_trainer_settings = false;
  // The run continues from its own latest pointer (autoresume). A checkpoint
  // published by an earlier attempt after that point was saved just before the
  // attempt died, before the pointer moved on to it: the run saves it again and
  // replaces it (locally with a warning, remotely by an overwriting upload)
  // rather than refusing to start, which would make autoresume fail forever.
  bool replace_interrupted_saves = false;
  // Composer's state_dict_type: "full" writes one monolithic file (rank 0's);
  // "sharded" makes every rank write its part of the state in parallel into
  // the folder `sharded_ckpt_prefix_dir` (torch's distributed-checkpoint
  // layout, checkpoint/sharded), at which the latest pointer then points.
  std::string state_dict_type = "full";
  // Relative to folder; dist and time fields (Composer's default).
  std::string sharded_ckpt_prefix_dir = "ep{epoch}-ba{batch}";
  // PEM private key file (Ed25519 or RSA) that signs each checkpoint's
  // manifest; unset: the CAIRN_SIGNING_KEY environment variable, if set.
  std::optional<std::string> signing_key;
  // Cairn (the Trainer's save_async): a full checkpoint is written on a
  // background thread while training goes on; training blocks only for a
  // snapshot of the state into host memory kept between saves. The file and
  // the latest pointer appear only once complete, as in a synchronous save;
  // the bookkeeping (rotation, uploads) follows at the first event after.
  // A save event that finds the previous save still running waits for it
  // (logged and counted). A sharded checkpoint is written the same way by
  // every rank, its part; the folder is published (.metadata) at the first
  // batch end after every rank has finished.
  bool async = false;
  // "lazy": the parameters and the optimizer state, which only the next
  // optimizer step and the algorithms change, are copied on the background
  // thread while the next batch's forward and backward run; the optimizer
  // step, or an algorithm that runs before it, waits for what is not copied
  // yet. "eager": everything is copied at the save event.
  std::string async_snapshot = "lazy";
  // Host memory the snapshot may hold, in MiB; 0: what the state needs. A
  // larger state is saved synchronously, with a warning.
  int64_t async_memory_limit_mib = 0;

  // JSON keys are Composer's CheckpointSaver argument names: folder, filename,
  // latest_filename (null disables), save_interval (integer epochs or a time
  // string), overwrite, num_checkpoints_to_keep, weights_only, ignore_keys,
  // remote_file_name and latest_remote_file_name (null disables), state_dict_type,
  // sharded_ckpt_prefix_dir, and Cairn's signing_key, async, async_snapshot
  // and async_memory_limit_mib.
  // ConfigError naming the field for unknown keys and wrong types.
  static CheckpointSaverOptions from_json(const nlohmann::json& config);
};

// What asynchronous saving cost the training thread so far.
struct AsyncSaveStats {
  size_t saves = 0;                  // written in the background
  size_t over_memory_limit = 0;      // written synchronously instead
  double blocked_seconds = 0;        // snapshot copies, and waits for the deferred ones
  size_t waits = 0;                  // save events (or fit's end) that found a save still running
  double waited_seconds = 0;
};

class CheckpointSaver : public Callback, public CheckpointWriter {
 public:
  // ConfigError for a filename or latest_filename whose extension no writer
  // knows, a template with an unknown {field} or a '..' component, a latest
  // pointer that could name a checkpoint (locally or remotely), a negative
  // save_interval, a save_interval in iterations, and a num_checkpoints_to_keep
  // below -1.
  explicit CheckpointSaver(CheckpointSaverOptions options);
  ~CheckpointSaver() override;

  CheckpointWriter* as_checkpoint_writer() override { return this; }
  // The assembler is called on every rank at every save, since assembling may
  // need every rank; only global rank 0 writes the result.
  void attach(Assembler assembler) override;

  void on_event(Event event, State& state) override;
  // Deletes rotated-out files whose uploads were confirmed meanwhile.
  void close(State& state) noexcept override;

  // {"all_saved_checkpoints_to_timestamp": [[name, timestamp dict], ...]}, in save order.
  c10::IValue state_dict() const override;
  // Accepts pairs as lists or tuples (Python writes tuples); a missing key is
  // fine (checkpoints from before the key existed).
  void load_state_dict(const c10::IValue& state) override;

  // Saves now; every rank calls it. Returns the path written, or "" on ranks
  // that write nothing. When the write fails, it fails on every rank.
  std::string save_checkpoint(State& state);

  // CheckpointWriter: local paths this saver wrote and has not rotated away,
  // oldest first; checkpoints written (every save counts, a re-saved name
  // too); how many of the files it wrote are still on disk.
  const std::vector<std::string>& saved_checkpoints() const override { return saved_checkpoints_; }
  size_t num_saved() const override { return num_saved_; }
  size_t num_kept() const override;
  std::optional<Time> save_interval_time() const override;
  // Every checkpoint still on disk whose upload a destination tracks is in
  // the store, and no tracked upload failed.
  bool uploads_all_confirmed() const;
  // Every name saved, by any run that this state came from, with its timestamp.
  const std::vector<std::pair<std::string, Timestamp>>& all_saved_checkpoints_to_timestamp() const {
    return all_saved_to_timestamp_;
  }
  std::string formatted_folder(const State& state) const;
  // folder/latest_filename with dist fields filled (where autoresume looks);
  // empty when latest_filename is disabled.
  std::optional<std::string> formatted_latest_path(const State& state) const;
  // The remote latest name with dist fields filled, without ".symlink"; empty
  // when disabled.
  std::optional<std::string> formatted_latest_remote_name(const State& state) const;
  const CheckpointSaverOptions& options() const { return options_; }
  const AsyncSaveStats& async_stats() const { return async_stats_; }
  // Before anything may change the parameters or the optimizer state (the
  // optimizer step, which the saver sees as AFTER_BACKWARD, and any algorithm,
  // which the trainer announces through EventDispatcher::set_before_algorithms):
  // waits until a lazy snapshot's deferred copies are done. Rank 0 for a full
  // checkpoint (the other ranks have no save in flight), every rank for a
  // sharded one.
  void wait_for_snapshot(State& state);

  // Full checkpoints go straight into `store` as they are serialized, under
  // their remote names (remote_file_name), followed by the remote latest
  // pointer: no local file and no upload destination. The trainer calls this
  // for a save_folder URI. A checkpoint whose stream fails is written to the
  // folder and handed to the upload destinations instead, which retry it, with
  // a warning naming the cause; a pointer whose stream fails is handed on alone.
  // Streamed checkpoints are listed in saved_checkpoints() by URI and never
  // rotated away (Composer deletes only local files).
  void stream_into(std::shared_ptr<ObjectStore> store);

 private:
  // checkpoint_saver_checks.cpp: the rules every name and setting follows.
  void check_options();
  bool sharded() const { return options_.state_dict_type == "sharded"; }
  // What names a checkpoint: the file name, or the sharded folder's.
  const std::string& checkpoint_template() const;
  std::string checkpoint_template_key() const;
  // save_ignore_keys, on every rank (a sharded save writes every rank's tree).
  void apply_ignore_keys(c10::IValue& root, const State& state) const;
  // Refuses to replace an existing checkpoint without overwrite (rank 0).
  void check_replaceable_checkpoint(const std::string& path, const State& state) const;
  // Rank 0, before a monolithic file is written: may it be (re)placed, and its folder.
  void prepare_checkpoint_path(const std::string& path, State& state) const;
  // Rank 0's part of a monolithic save: the file.
  void write_monolithic(const c10::IValue& root, const std::string& path, State& state);
  // Every rank's part of a sharded save: the folder, .metadata last.
  void write_sharded(const c10::IValue& root, const std::string& path, State& state);
  // Rank 0's bookkeeping after a save: the latest pointer `link`, the lists,
  // the upload and the rotation.
  void finish_save(const std::string& path, const std::optional<std::string>& link, State& state);
  void prepare_folder(const State& state);
  // Checks, with the run's name and ranks known, that the latest pointer
  // cannot name a checkpoint and that what stands at its name now may be
  // replaced; and that the remote names stay inside the bucket.
  void check_names_for_run(const State& state) const;
  void warn_about_settings_that_keep_nothing(const State& state) const;
  std::string setting(const std::string& key) const;
  std::string local_name(const std::string& key, const std::string& format, const State& state) const;
  std::string remote_name(const std::string& key, const std::string& format, const State& state) const;
  void check_latest_name(const std::string& latest, const std::string& checkpoint_template, const std::string& key,
                         const std::string& run_name, const DistInfo& dist) const;
  void ensure_replaceable_pointer(const std::string& link) const;
  // checkpoint_saver_uploads.cpp. Whether the run's logger has a destination
  // that takes the checkpoints.
  bool uploads_happen(const State& state) const;
  // The object name of this save's checkpoint: the file, or the sharded folder
  // (Composer: the prefix dir beside where remote_file_name would go).
  std::string remote_checkpoint_name(const State& state) const;
  std::string remote_checkpoint_template() const;
  bool replaces_remote_objects() const;
  // Every rank: its data file of sharded checkpoint `path`, uploaded and
  // confirmed before the save goes on.
  void upload_own_shard(const std::string& path, State& state);
  void point_latest_at(const std::string& checkpoint_path, const std::string& link) const;
  void rotate(State& state);
  void hand_over_for_upload(const std::string& path, State& state);
  void write_pointer_file(const std::string& target, const std::string& pointer_path);
  // Hands the remote latest pointer at `remote` (a checkpoint's object name)
  // to the upload destinations.
  void hand_over_pointer(const std::string& remote, State& state);
  // "<latest_remote_file_name>.symlink" formatted; empty when disabled.
  std::optional<std::string> remote_pointer_name(const State& state) const;

  // checkpoint_saver_stream.cpp. Where a streamed checkpoint goes, named on
  // the training thread.
  struct StreamTarget {
    std::string object;
    std::optional<std::string> pointer;  // "<latest_remote_file_name>.symlink"
  };
  struct StreamOutcome {
    StreamTarget target;
    bool checkpoint_streamed = false;
    bool pointer_streamed = false;
    std::string failure;  // the store's error, when something was not streamed
  };
  bool streams() const { return stream_store_ != nullptr && !sharded(); }
  // Rank 0: names the objects and refuses to replace an existing checkpoint
  // without overwrite, as the local folder does.
  StreamTarget prepare_stream(const State& state) const;
  // Streams the checkpoint and then its pointer; when the checkpoint's stream
  // fails, writes the local file `path` instead. Touches no saver state, so a
  // background save runs it too.
  StreamOutcome stream_or_write(const c10::IValue& root, const StreamTarget& target, const std::string& path) const;
  // Rank 0's bookkeeping after a save whose stream was tried; false when it
  // fell back to the local file, which finish_save then treats as usual.
  bool finish_streamed_save(const StreamOutcome& outcome, State& state);
  void delete_confirmed_uploads(State& state);

  // checkpoint_saver_async.cpp. Rank 0: snapshots `root` and starts writing it.
  void start_async_save(const c10::IValue& root, const std::string& path, const std::optional<std::string>& link,
                        State& state);
  bool saves_async() const { return options_.async; }
  // The snapshot an asynchronous save writes, in the reused staging memory;
  // "lazy" defers the storages only the next optimizer step changes.
  checkpoint::StateSnapshot take_snapshot(const c10::IValue& root, State& state);
  // Every rank: snapshots sharded checkpoint `root` and starts writing its
  // part; false, having started nothing, when the state is over the memory
  // limit on some rank (the caller then saves synchronously).
  bool start_async_shard(const c10::IValue& root, const std::string& path, const std::optional<std::string>& link,
                         State& state);
  // Every rank, together: publishes the sharded folder of the finished save.
  void complete_async_shard(State& state);
  // Rank 0: the folder a sharded save replaces loses its .metadata first.
  void clear_sharded_folder(const std::string& path, State& state) const;
  // Whether the state needs more snapshot memory than async_memory_limit_mib
  // allows (counted and warned about once).
  bool over_memory_limit(uint64_t needed, State& state);
  // Every rank, while a save is in flight: rank 0 finishes it if it is done
  // (a sharded save: every rank, once every rank's part is written).
  void poll_async_save(State& state);
  // Every rank: waits for the save in flight and finishes it. `why` names the
  // waiter in the log ("the next save", "the end of fit").
  void join_async_save(State& state, const std::string& why);
  // Rank 0: the bookkeeping of a finished background save, or its error.
  void complete_async_save(State& state);

  CheckpointSaverOptions options_;
  // Read once, when the saver is made, so a bad key fails before training.
  std::optional<checkpoint::CheckpointKey> signing_key_;
  IntervalScheduler should_save_;
  Assembler assembler_;
  std::vector<std::string> saved_checkpoints_;
  std::vector<std::string> written_paths_;  // every path this saver wrote, once each
  size_t num_saved_ = 0;
  std::shared_ptr<FolderLock> folder_lock_;
  std::vector<std::pair<std::string, Timestamp>> all_saved_to_timestamp_;
  std::optional<int64_t> last_checkpoint_batch_;

  // Local path -> the receipt of its newest upload, when a destination tracks it.
  std::map<std::string, std::shared_ptr<const UploadReceipt>> uploads_;
  // Rotated out, deleted once their uploads are confirmed.
  std::vector<std::string> awaiting_deletion_;
  bool an_upload_failed_ = false;
  // Asynchronous saves: the staging memory (rank 0), the save being written
  // and what finishing it needs (rank 0), and whether a save is in flight as
  // far as every rank knows (until it is joined).
  std::unique_ptr<checkpoint::SnapshotStaging> staging_;
  std::unique_ptr<BackgroundSave> in_flight_;
  std::string in_flight_path_;
  std::string in_flight_name_;  // for messages: the path, or the URI streamed to
  // A sharded save's: this rank's part (written in the background) and the
  // local latest pointer that follows the folder.
  std::shared_ptr<checkpoint::sharded::RankWriteResult> in_flight_shard_;
  std::optional<std::string> in_flight_link_;
  Timestamp in_flight_timestamp_;
  std::chrono::steady_clock::time_point in_flight_started_;
  bool async_pending_ = false;
  bool warned_over_memory_limit_ = false;
  AsyncSaveStats async_stats_;
  // Streamed saves: the store, and the outcome of the save being finished.
  std::shared_ptr<ObjectStore> stream_store_;
  std::optional<StreamOutcome> stream_outcome_;
  std::shared_ptr<std::optional<StreamOutcome>> in_flight_outcome_;
  // Where pointer files are written before being handed on; made on first use.
  std::string pointer_folder_;
  uint64_t pointer_count_ = 0;
};

}  // namespace cairn
