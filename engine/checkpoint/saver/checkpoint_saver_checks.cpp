// The rules the saver's names and settings follow, checked when the saver is
// built (templates alone) and at INIT (with the run's name and ranks):
//  - every formatted name stays inside its folder or bucket prefix;
//  - a template uses only the fields its formatter fills (Composer's
//    str.format raises KeyError for others);
//  - the latest pointer can never name a checkpoint, locally or remotely, and
//    replaces nothing but a symlink unless overwrite is on;
//  - settings that would silently save nothing are refused or said out loud.
#include <algorithm>
#include <filesystem>

#include "cairn/errors.h"
#include "cairn/logger.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/saver/conflict_check.h"
#include "checkpoint/saver/name_format.h"
#include "core/safe_names.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;

std::set<std::string> all_fields() {
  std::set<std::string> fields = dist_field_names();
  fields.insert(time_field_names().begin(), time_field_names().end());
  return fields;
}

// A stand-in run for the checks that run before the run is known.
const std::string kSampleRun = "run";

std::string sample_format(const std::string& format) {
  return format_name_with_dist_and_time(format, kSampleRun, DistInfo::single_process(), Timestamp{});
}

}  // namespace

std::string CheckpointSaver::setting(const std::string& key) const {
  if (!options_.named_as_trainer_settings) return "CheckpointSaver " + key;
  if (key == "remote_file_name") return "save_folder + save_filename (the remote name)";
  if (key == "latest_remote_file_name") return "save_folder + save_latest_filename (the remote name)";
  return key.rfind("save_", 0) == 0 ? key : "save_" + key;
}

void CheckpointSaver::check_options() {
  check_template_fields(options_.folder, dist_field_names(), setting("folder"));

  // Composer drops a leading '/' so that names stay inside the folder.
  options_.filename = name_inside_folder(options_.filename, setting("filename"), options_.filename);
  check_template_fields(options_.filename, all_fields(), setting("filename"));
  name_inside_folder(sample_format(options_.filename), setting("filename"), options_.filename);
  checkpoint::validate_checkpoint_filename(options_.filename);

  if (options_.async_snapshot != "lazy" && options_.async_snapshot != "eager") {
    throw ConfigError(setting("async_snapshot") + " '" + options_.async_snapshot +
                      "' is not a snapshot kind; use 'lazy' (parameters and optimizer state copied before the next "
                      "optimizer step) or 'eager' (everything copied at the save event)");
  }
  if (options_.async_memory_limit_mib < 0) {
    throw ConfigError(setting("async_memory_limit_mib") + " is " + std::to_string(options_.async_memory_limit_mib) +
                      "; give a number of MiB, or 0 for what the state needs");
  }
  if (options_.state_dict_type != "full" && options_.state_dict_type != "sharded") {
    throw ConfigError(setting("state_dict_type") + " '" + options_.state_dict_type +
                      "' is not a checkpoint kind; use 'full' (one file, rank 0's) or 'sharded' (a folder, every rank "
                      "writing its part)");
  }
  if (sharded()) {
    options_.sharded_ckpt_prefix_dir = name_inside_folder(options_.sharded_ckpt_prefix_dir,
                                                          setting("sharded_ckpt_prefix_dir"), options_.sharded_ckpt_prefix_dir);
    check_template_fields(options_.sharded_ckpt_prefix_dir, all_fields(), setting("sharded_ckpt_prefix_dir"));
    name_inside_folder(sample_format(options_.sharded_ckpt_prefix_dir), setting("sharded_ckpt_prefix_dir"),
                       options_.sharded_ckpt_prefix_dir);
    if (signing_key_) {
      throw ConfigError(setting("state_dict_type") + " 'sharded': sharded folders cannot be signed in this version, "
                        "but a signing key is configured (signing_key or CAIRN_SIGNING_KEY); unset it or use 'full'");
    }
  }

  if (options_.latest_filename) {
    if (options_.latest_filename->find_first_not_of('/') == std::string::npos) {
      throw ConfigError(setting("latest_filename") + " is empty; give a name like 'latest-rank{rank}.pt' or disable "
                        "it with " + (options_.named_as_trainer_settings ? "none" : "null"));
    }
    options_.latest_filename = name_inside_folder(*options_.latest_filename, setting("latest_filename"),
                                                  *options_.latest_filename);
    check_template_fields(*options_.latest_filename, all_fields(), setting("latest_filename"));
    const std::string latest = name_inside_folder(sample_format(*options_.latest_filename), setting("latest_filename"),
                                                  *options_.latest_filename);
    checkpoint::validate_checkpoint_filename(*options_.latest_filename);
    check_latest_name(latest, checkpoint_template(), "latest_filename", kSampleRun, DistInfo::single_process());
  }

  for (const auto* remote : {&options_.remote_file_name, &options_.latest_remote_file_name}) {
    if (!*remote) continue;
    const std::string key = remote == &options_.remote_file_name ? "remote_file_name" : "latest_remote_file_name";
    check_template_fields(**remote, all_fields(), setting(key));
    // The Trainer's remote names follow a local save_folder, which may well
    // start with '..': they are checked at INIT, only if something uploads.
    if (!options_.named_as_trainer_settings) name_inside_folder(sample_format(**remote), setting(key), **remote);
  }
  if (options_.remote_file_name && options_.latest_remote_file_name && !options_.named_as_trainer_settings) {
    check_latest_name(name_inside_folder(sample_format(*options_.latest_remote_file_name),
                                         setting("latest_remote_file_name"), *options_.latest_remote_file_name),
                      *options_.remote_file_name, "latest_remote_file_name", kSampleRun, DistInfo::single_process());
  }

  if (const Time* interval = std::get_if<Time>(&options_.save_interval)) {
    const bool negative = interval->unit() == TimeUnit::DURATION ? interval->value() < 0 : interval->count() < 0;
    if (negative) {
      throw ConfigError(setting("save_interval") + " '" + interval->to_string() +
                        "' is negative; give a positive interval like 1ep or 500ba (0 disables saving)");
    }
  }
  if (options_.num_checkpoints_to_keep < -1) {
    throw ConfigError(setting("num_checkpoints_to_keep") + " is " + std::to_string(options_.num_checkpoints_to_keep) +
                      "; use -1 to keep every checkpoint, 0 to keep none locally, or N to keep the N newest");
  }
}

std::string CheckpointSaver::local_name(const std::string& key, const std::string& format, const State& state) const {
  return name_inside_folder(format_name_with_dist_and_time(format, state.run_name, state.dist, state.timestamp),
                            setting(key), format);
}

std::string CheckpointSaver::remote_name(const std::string& key, const std::string& format, const State& state) const {
  return local_name(key, format, state);
}

void CheckpointSaver::check_latest_name(const std::string& latest, const std::string& checkpoint_template,
                                        const std::string& key, const std::string& run_name,
                                        const DistInfo& dist) const {
  const bool remote = key == "latest_remote_file_name";
  const std::string checkpoint_key = remote ? "remote_file_name" : "filename";
  const std::string latest_template = remote ? *options_.latest_remote_file_name : *options_.latest_filename;
  // Remotely the pointer is "<name>.symlink", and a reader asks for "<name>"
  // first: neither may be a checkpoint's object name.
  const bool clash = could_be_checkpoint_name(latest, checkpoint_template, run_name, dist) ||
                     (remote && could_be_checkpoint_name(latest + ".symlink", checkpoint_template, run_name, dist));
  if (!clash) return;
  throw ConfigError(setting(key) + " '" + latest_template + "' can name a checkpoint of " + setting(checkpoint_key) +
                    " '" + checkpoint_template + "' (it gives '" + latest +
                    "'), so the latest pointer would replace a checkpoint; choose a name the checkpoint template "
                    "cannot produce, like 'latest-rank{rank}.pt'");
}

void CheckpointSaver::ensure_replaceable_pointer(const std::string& link) const {
  if (options_.overwrite) return;
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(link, ec);
  if (ec || status.type() == fs::file_type::not_found || status.type() == fs::file_type::symlink) return;
  const std::string what = status.type() == fs::file_type::regular ? "a regular file"
                           : status.type() == fs::file_type::directory ? "a folder"
                                                                       : "not a symlink";
  throw ConfigError(setting("latest_filename") + ": '" + link + "' exists and is " + what +
                    ", not a latest pointer; Cairn replaces only its own symlink there: move it away, choose another " +
                    setting("latest_filename") + ", or set " + setting("overwrite"));
}

void CheckpointSaver::check_names_for_run(const State& state) const {
  if (options_.latest_filename) {
    const std::string latest = local_name("latest_filename", *options_.latest_filename, state);
    check_latest_name(latest, checkpoint_template(), "latest_filename", state.run_name, state.dist);
    if (options_.num_checkpoints_to_keep != 0) {
      ensure_replaceable_pointer((fs::path(formatted_folder(state)) / latest).string());
    }
  }
  if (!uploads_happen(state)) return;
  remote_checkpoint_name(state);
  if (options_.latest_remote_file_name) {
    const std::string latest = remote_name("latest_remote_file_name", *options_.latest_remote_file_name, state);
    check_latest_name(latest, remote_checkpoint_template(), "latest_remote_file_name", state.run_name, state.dist);
  }
}

void CheckpointSaver::warn_about_settings_that_keep_nothing(const State& state) const {
  if (state.logger == nullptr) return;
  if (const Time* interval = std::get_if<Time>(&options_.save_interval)) {
    const bool zero = interval->unit() == TimeUnit::DURATION ? interval->value() == 0 : interval->count() == 0;
    if (zero) {
      state.logger->warn(setting("save_interval") + " is " + interval->to_string() +
                         ", which disables saving (as in Composer): no checkpoint will be written, not even at the "
                         "end of training; give an interval like 1ep to save");
    }
  }
  if (options_.num_checkpoints_to_keep == 0 && !uploads_happen(state)) {
    state.logger->warn(setting("num_checkpoints_to_keep") +
                       " is 0, so each checkpoint is deleted right after it is saved, and nothing uploads it: no "
                       "checkpoint will be kept; use -1 to keep them all, or save to a URI such as s3://bucket/path");
  }
}

}  // namespace cairn
