// Trainer arguments, named as Composer names them.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cairn/event.h"
#include "cairn/object_store.h"
#include "cairn/time.h"
#include "cairn/torch_fwd.h"
#include "checkpoint/saver/interval.h"
#include "core/named.h"

namespace cairn {

class Algorithm;
class Callback;
class Dataset;
class Logger;
class Model;
class ObjectStore;
class PluginHost;
class Scheduler;
class State;

struct TrainerOptions {
  // What to train.
  std::shared_ptr<Model> model;
  std::shared_ptr<Dataset> train_dataloader;
  std::string max_duration = "1ep";
  // Empty: SGD with lr 0.1 over the model's parameters.
  std::vector<std::shared_ptr<torch::optim::Optimizer>> optimizers;
  std::vector<std::shared_ptr<Scheduler>> schedulers;
  std::optional<uint64_t> seed;  // empty: random, recorded as rank_zero_seed
  std::optional<std::string> run_name;  // empty: $COMPOSER_RUN_NAME, $RUN_NAME, or generated
  std::string device = "cpu";
  // Composer's dist_timeout: the seconds any collective of a multi-process
  // job (WORLD_SIZE > 1) may wait before every rank fails with an error.
  double dist_timeout = 300.0;

  // Evaluation (Composer's eval_dataloader, evaluated under the label "eval";
  // none without it). eval_interval: a Time in ep, ba or dur (an integer is
  // epochs; 0 disables evaluation), or a predicate asked at BATCH_END,
  // EPOCH_END and FIT_END. eval_subset_num_batches: -1 evaluates every batch.
  std::shared_ptr<Dataset> eval_dataloader;
  SaveInterval eval_interval = Time(1, TimeUnit::EPOCH);
  int64_t eval_subset_num_batches = -1;

  // Saving (a CheckpointSaver is created when save_folder is set). A URI
  // save_folder ("s3://bucket/path") streams full checkpoints into the store
  // (README); sharded ones, or all with save_stage_locally, are written
  // locally first, then uploaded.
  std::optional<std::string> save_folder;
  std::string save_filename = "ep{epoch}-ba{batch}-rank{rank}.pt";
  std::optional<std::string> save_latest_filename = std::string("latest-rank{rank}.pt");
  SaveInterval save_interval = Time(1, TimeUnit::EPOCH);
  bool save_overwrite = false;
  bool save_weights_only = false;
  int save_num_checkpoints_to_keep = -1;
  std::vector<std::string> save_ignore_keys;
  // Composer's state_dict_type: "full" (one file, rank 0's) or "sharded" (a
  // folder ep{epoch}-ba{batch}/ that every rank writes its part of).
  std::string state_dict_type = "full";
  // PEM private key file that signs every checkpoint; unset: CAIRN_SIGNING_KEY.
  std::optional<std::string> save_signing_key;
  // Cairn: write full checkpoints in the background (CheckpointSaverOptions::async).
  bool save_async = false;
  // "lazy" or "eager" (CheckpointSaverOptions::async_snapshot).
  std::string save_async_snapshot = "lazy";
  // Snapshot memory cap in MiB; 0: what the state needs.
  int64_t save_async_memory_limit_mib = 0;
  // Cairn: for a URI save_folder, write each checkpoint to a local staging
  // folder and upload it from there (Composer's way) instead of streaming it.
  bool save_stage_locally = false;

  // Loading.
  std::optional<std::string> load_path;
  // Store name and JSON config (as text) to read load_path from; empty: by URI.
  std::optional<std::string> load_object_store;
  std::string load_object_store_config = "{}";
  // Composer's load_progress_bar: whether downloads of load_path and of the
  // remote latest checkpoint (autoresume) report to download_progress.
  bool load_progress_bar = true;
  // Makes the progress callback for one download; `what` is the path or URI
  // downloaded. Empty: no progress is shown. The trainer draws nothing itself:
  // `cairn fit` sets this to a bar on stderr when stderr is a terminal. The
  // trainer drops the returned function as soon as its download ends.
  std::function<ProgressFn(const std::string& what)> download_progress;
  bool load_weights_only = false;
  bool load_strict_model_weights = true;
  std::vector<std::string> load_ignore_keys;
  // Model keys starting with `first` are renamed to start with `second`
  // (first matching rule): {"module.", ""} loads Composer's wrapped models.
  std::vector<std::pair<std::string, std::string>> load_key_prefix_map;
  std::vector<std::string> load_exclude_algorithms;
  // PEM public key file: loads refuse checkpoints it has not signed; unset: CAIRN_TRUSTED_KEY.
  std::optional<std::string> load_trusted_key;
  bool autoresume = false;
  bool spin_dataloaders = true;

  std::vector<Named<Callback>> callbacks;
  std::vector<Named<Algorithm>> algorithms;

  // Where URIs and plugin metadata come from; empty: built-ins only.
  std::shared_ptr<PluginHost> plugins;
  // Empty: console logger.
  std::shared_ptr<Logger> logger;
};

}  // namespace cairn
