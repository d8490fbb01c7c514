// The CheckpointSaver's uploads: each checkpoint (a file, or a sharded
// folder's data files and then its .metadata) and the remote latest pointer,
// handed to the run's upload destinations, and local files deleted by rotation
// once their upload is confirmed.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cairn/collectives.h"
#include "cairn/errors.h"
#include "cairn/logger.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/sharded/sharded_metadata.h"
#include "checkpoint/sharded/sharded_writer.h"
#include "core/temp_folder.h"

namespace cairn {
namespace fs = std::filesystem;

bool CheckpointSaver::uploads_happen(const State& state) const {
  return options_.remote_file_name && state.logger != nullptr && state.logger->can_upload_files();
}

void CheckpointSaver::hand_over_for_upload(const std::string& path, State& state) {
  if (!uploads_happen(state)) return;
  const std::string remote = remote_checkpoint_name(state);
  // Checkpoints are written through AtomicFile (renamed into place), so a
  // destination may stage them by a hard link and save copying gigabytes. A
  // sharded folder's data files are in the store already (upload_own_shard):
  // its .metadata goes last, and with it the folder is published.
  const std::string local = sharded() ? (fs::path(path) / checkpoint::sharded::kMetadataFile).string() : path;
  const std::string object = sharded() ? remote + "/" + checkpoint::sharded::kMetadataFile : remote;
  if (auto receipt = state.logger->upload_file(object, local, replaces_remote_objects(), FileAfterUpload::kReplacedWhole)) {
    uploads_[path] = std::move(receipt);
  } else {
    uploads_.erase(path);
  }
  hand_over_pointer(remote, state);
}

void CheckpointSaver::hand_over_pointer(const std::string& remote, State& state) {
  const std::optional<std::string> pointer_name = remote_pointer_name(state);
  if (!pointer_name) return;
  // The pointer is handed on after its checkpoint; the uploader publishes it
  // only once the checkpoint is confirmed in the store (upload_queue.h).
  const std::string& pointer = *pointer_name;
  if (pointer_folder_.empty()) {
    pointer_folder_ = make_temp_folder("cairn-pointer-", "for the remote latest pointer '" + pointer + "'");
  }
  // A new file per save, removed once handed over (uploaders stage what they
  // are given before returning): a staged hard link never sees it change.
  const std::string pointer_file =
      (fs::path(pointer_folder_) / ("latest." + std::to_string(++pointer_count_) + ".symlink")).string();
  write_pointer_file(remote, pointer_file);
  struct RemoveWhenDone {
    std::string path;
    ~RemoveWhenDone() {
      std::error_code ec;
      fs::remove(path, ec);
    }
  } remove_when_done{pointer_file};
  state.logger->upload_file(pointer, pointer_file, /*overwrite=*/true, FileAfterUpload::kReplacedWhole);
}

void CheckpointSaver::upload_own_shard(const std::string& path, State& state) {
  if (!uploads_happen(state)) return;
  // Every rank sends its own data file and waits until the store has it, so
  // that rank 0 publishes .metadata and the pointer only for a folder whose
  // every file landed; a rank that cannot reach the store fails the save on
  // every rank, with its own cause.
  fail_together([&] {
    const std::string file = checkpoint::sharded::data_file_name(state.dist.global_rank());
    const std::string object = remote_checkpoint_name(state) + "/" + file;
    auto receipt = state.logger->upload_file(object, (fs::path(path) / file).string(), replaces_remote_objects(),
                                             FileAfterUpload::kReplacedWhole);
    if (receipt && receipt->wait() == UploadReceipt::Status::kFailed) {
      throw StoreError(StoreErrorKind::kOther, "sharded checkpoint '" + path + "' was not published: " +
                                                   receipt->failure());
    }
  });
}

std::string CheckpointSaver::remote_checkpoint_name(const State& state) const {
  return remote_name("remote_file_name", remote_checkpoint_template(), state);
}

std::string CheckpointSaver::remote_checkpoint_template() const {
  if (!sharded()) return *options_.remote_file_name;
  // Composer: a sharded folder goes beside where the file would have gone.
  const std::string parent = fs::path(*options_.remote_file_name).parent_path().generic_string();
  return parent.empty() ? options_.sharded_ckpt_prefix_dir : parent + "/" + options_.sharded_ckpt_prefix_dir;
}

bool CheckpointSaver::replaces_remote_objects() const {
  return options_.overwrite || options_.replace_interrupted_saves;
}

void CheckpointSaver::write_pointer_file(const std::string& target, const std::string& pointer_path) {
  // Composer's format: only the target's object name, no newline.
  std::ofstream out(pointer_path, std::ios::binary | std::ios::trunc);
  out << target;
  out.close();
  if (!out) throw CheckpointError("cannot write the remote latest pointer file '" + pointer_path + "'; check TMPDIR");
}

void CheckpointSaver::delete_confirmed_uploads(State& state) {
  auto still_waiting = awaiting_deletion_.begin();
  for (const std::string& path : awaiting_deletion_) {
    const auto upload = uploads_.find(path);
    const UploadReceipt::Status status =
        upload == uploads_.end() ? UploadReceipt::Status::kConfirmed : upload->second->status();
    if (status == UploadReceipt::Status::kPending) {
      *still_waiting++ = path;
      continue;
    }
    if (status == UploadReceipt::Status::kConfirmed) {
      std::error_code ec;
      fs::remove(path, ec);
      if (ec && state.logger != nullptr) {
        state.logger->warn("cannot remove uploaded local checkpoint '" + path + "' (" + ec.message() + ")");
      }
    } else {
      an_upload_failed_ = true;
      if (state.logger != nullptr) {
        state.logger->warn("kept local checkpoint '" + path + "' although num_checkpoints_to_keep=" +
                           std::to_string(options_.num_checkpoints_to_keep) + " because its upload failed");
      }
    }
    if (upload != uploads_.end()) uploads_.erase(upload);
  }
  awaiting_deletion_.erase(still_waiting, awaiting_deletion_.end());
}

bool CheckpointSaver::uploads_all_confirmed() const {
  if (an_upload_failed_) return false;
  // Every file of this saver still on disk has a confirmed upload (one never
  // handed over, say because handing over threw, has none).
  for (const std::string& path : written_paths_) {
    std::error_code ec;
    if (fs::symlink_status(path, ec).type() == fs::file_type::not_found) continue;  // rotated away once uploaded
    const auto upload = uploads_.find(path);
    if (upload == uploads_.end() || upload->second->status() != UploadReceipt::Status::kConfirmed) return false;
  }
  return true;
}

}  // namespace cairn
