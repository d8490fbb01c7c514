// The CheckpointSaver callback: Composer's checkpoint_saver.py for local folders.
//
// The trainer builds one from its save_* options (or a user enables it as a
// callback), calls attach() with the function that assembles a checkpoint
// dict, and dispatches events to it. At INIT the folder is created and checked
// for writability; at FIT_START it refuses to run over files from its own
// future (unless overwrite); at BATCH_CHECKPOINT / EPOCH_CHECKPOINT it saves
// when the interval says so, points the "latest" symlink at the new file and
// rotates old files of this run.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/ivalue.h>
#include <nlohmann/json.hpp>

#include "cairn/callback.h"
#include "cairn/state.h"
#include "checkpoint/saver/interval.h"
#include "trainer/trainer_options.h"

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

  // JSON keys are Composer's CheckpointSaver argument names: folder, filename,
  // latest_filename (null disables), save_interval (integer epochs or a time
  // string), overwrite, num_checkpoints_to_keep, weights_only, ignore_keys.
  // ConfigError naming the field for unknown keys and wrong types.
  static CheckpointSaverOptions from_json(const nlohmann::json& config);
};

class CheckpointSaver : public Callback {
 public:
  // ConfigError for a filename or latest_filename whose extension no writer
  // knows, and for a save_interval in iterations.
  explicit CheckpointSaver(CheckpointSaverOptions options);

  // Builds the checkpoint dict ({'state': ..., 'rng': ...}, or the weights-only
  // form) for the current state. Called on every rank at every save, since
  // assembling may need every rank; only global rank 0 writes the result.
  using Assembler = std::function<c10::IValue(const State& state, bool weights_only)>;
  void attach(Assembler assembler);

  void on_event(Event event, State& state) override;

  // {"all_saved_checkpoints_to_timestamp": [[name, timestamp dict], ...]}, in save order.
  c10::IValue state_dict() const override;
  // Accepts pairs as lists or tuples (Python writes tuples); a missing key is
  // fine (checkpoints from before the key existed).
  void load_state_dict(const c10::IValue& state) override;

  // Saves now. Returns the path written, or "" on ranks that write nothing.
  std::string save_checkpoint(State& state);

  // Local paths this saver wrote and has not rotated away, oldest first.
  const std::vector<std::string>& saved_checkpoints() const { return saved_checkpoints_; }
  // Every name saved, by any run that this state came from, with its timestamp.
  const std::vector<std::pair<std::string, Timestamp>>& all_saved_checkpoints_to_timestamp() const {
    return all_saved_to_timestamp_;
  }
  std::string formatted_folder(const State& state) const;
  // folder/latest_filename with dist fields filled (where autoresume looks);
  // empty when latest_filename is disabled.
  std::optional<std::string> formatted_latest_path(const State& state) const;
  const CheckpointSaverOptions& options() const { return options_; }

 private:
  void prepare_folder(const State& state) const;
  void point_latest_at(const std::string& checkpoint_path, const State& state) const;
  void rotate();

  CheckpointSaverOptions options_;
  IntervalScheduler should_save_;
  Assembler assembler_;
  std::vector<std::string> saved_checkpoints_;
  std::vector<std::pair<std::string, Timestamp>> all_saved_to_timestamp_;
  std::optional<int64_t> last_checkpoint_batch_;
};

}  // namespace cairn
