// Private parts of the Trainer, shared by its source files: trainer.cpp
// (set-up and state hooks), trainer_remote.cpp (save_folder URIs),
// trainer_loop.cpp (fit), trainer_load.cpp (load_path, autoresume).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

#include "cairn/checkpoint_writer.h"
#include "cairn/logger.h"
#include "cairn/state.h"
#include "checkpoint/fetch/checkpoint_source.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "core/event_dispatcher.h"
#include "core/logger_hub.h"
#include "remote/remote_uploader_downloader.h"
#include "core/state_hooks.h"
#include "dist/process_group.h"
#include "trainer/dataloader.h"
#include "trainer/evaluator.h"
#include "trainer/scheduler.h"
#include "trainer/trainer_options.h"

namespace cairn {

class StoreOpener;

struct Trainer::Impl {
  TrainerOptions options;
  State state;
  // This process's job (a world of one without WORLD_SIZE > 1), installed as
  // the process's collectives while the trainer lives.
  std::shared_ptr<dist::ProcessGroup> group;
  struct CollectivesUninstaller {
    ~CollectivesUninstaller();
  } collectives_uninstaller;
  std::shared_ptr<Logger> logger;
  LoggerHub* hub = nullptr;  // what `logger` is
  EventDispatcher events;
  StateHooks hooks;
  // Every callback that writes checkpoints: the user's, then the one built
  // from save_folder. Owned by options.callbacks and `saver`.
  std::vector<CheckpointWriter*> writers;
  // The saver built from save_folder, whose folder autoresume looks in (as
  // Composer, autoresume needs save_folder).
  std::shared_ptr<CheckpointSaver> saver;
  // Its instance name (state/callbacks/<name>).
  std::string trainer_saver_name;
  // The uploader the trainer opened for a URI save_folder; empty when a
  // user's upload destination already writes to that bucket.
  std::shared_ptr<RemoteUploaderDownloader> own_uploader;
  // The store full checkpoints of a URI save_folder stream into; empty when
  // they are staged locally and uploaded (CheckpointSaver::stream_into).
  std::shared_ptr<ObjectStore> save_stream_store;
  // The local folder a URI save_folder writes to before uploading (made per
  // run under TMPDIR); removed with the Trainer once every upload is confirmed.
  std::string save_staging_folder;
  // Removes that folder when the Impl goes, construction failures included,
  // if nothing was ever saved into it: a setting refused after the folder was
  // made must not leave an empty cairn-save-* behind in TMPDIR.
  struct EmptyFolderRemover {
    const std::string& path;
    ~EmptyFolderRemover();
  } save_staging_remover{save_staging_folder};
  std::unique_ptr<DataLoader> loader;
  std::vector<Evaluator> evaluators;  // evaluator.h
  // This rank's RNG state from a loaded checkpoint, restored right before the
  // first batch trained after the load so nothing in between can consume it.
  std::optional<c10::IValue> pending_rng;
  // Whether the run name came from the user (argument or environment), which
  // autoresume needs to find the same run again.
  bool run_name_chosen = false;
  bool fit_started = false;
  bool closed = false;

  explicit Impl(TrainerOptions opts);

  // trainer.cpp
  void validate_and_resolve();
  // Joins the job the environment describes and agrees on the seed.
  void join_job();
  // Every rank starts from rank 0's parameters and buffers (DDP's broadcast).
  void broadcast_model();
  void create_savers();
  void register_hooks();
  c10::IValue assemble_checkpoint(bool weights_only) const;

  // first_batch_check.cpp
  // ConfigError when the first batch does not fit the model or its loss, or
  // when a duration counts tokens that the data does not have.
  void check_first_batch();

  // What opens stores: options.plugins, else the local store alone.
  const StoreOpener& stores() const;

  // trainer_remote.cpp
  // Points `so` at a local staging folder and the remote names for a URI
  // save_folder, and finds or makes its uploader. ConfigError for a scheme no
  // loaded plugin handles.
  void prepare_remote_save(CheckpointSaverOptions& so, const Uri& save_uri);
  // Removes save_staging_folder when every checkpoint reached the store;
  // otherwise keeps it and says where it is.
  void remove_save_staging_folder();
  // Composer's guard: a custom file_path_format_string would break the
  // remote latest pointer.
  void check_uploaders_keep_names() const;
  // The checkpoint `remote_name` of upload destination `index` (following
  // pointers; a sharded folder arrives as a folder), downloaded into a
  // temporary folder of this rank's; null when that destination has no such file.
  std::unique_ptr<FetchedCheckpoint> fetch_from_destination(size_t index, const std::string& remote_name);

  // trainer_load.cpp
  // Where the checkpoint to load is; rank 0 decides it for every rank.
  struct LoadSource {
    std::string path;       // load_path, or the remote latest's name in `destination`
    int destination = -1;   // an index in hub->destinations() (autoresume), or -1
    std::string to_bytes() const;
    static std::optional<LoadSource> from_bytes(const std::string& bytes);
  };
  // Rank 0: the local latest pointer, else the remote latest of the first
  // upload destination that has one, which it downloads into `fetched`.
  std::optional<LoadSource> resolve_autoresume(std::unique_ptr<FetchedCheckpoint>& fetched);
  // options.download_progress for downloading `what`, if load_progress_bar is on.
  ProgressFn download_progress(const std::string& what) const;
  // Every rank: fetches `source` once per machine (rank 0 may hold it already
  // in `fetched`) and restores the state from it; any rank's failure fails all.
  void load_checkpoint(const LoadSource& source, std::unique_ptr<FetchedCheckpoint> fetched);
  std::unique_ptr<FetchedCheckpoint> fetch_source(const LoadSource& source, const std::string& path,
                                                  const std::shared_ptr<ObjectStore>& store);
  void restore_checkpoint(const FetchedCheckpoint& fetched);
  // Fails every rank unless every rank loaded the same timestamp.
  void check_ranks_agree_on_timestamp();

  // trainer_loop.cpp
  void fit();
  void train_batch(int64_t index);
  bool duration_reached() const;
  void restore_pending_rng();
};

}  // namespace cairn
