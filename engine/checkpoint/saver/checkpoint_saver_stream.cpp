// Streamed saves (CheckpointSaver::stream_into): a full checkpoint goes into
// the store as it is serialized, then the remote latest pointer at it, so a
// save_folder URI costs no local disk and no second pass over the bytes.
//
// The guarantees are those of the upload path it replaces: the store shows
// the checkpoint only once complete (ObjectStore::open_writer), the pointer
// moves only after it, an existing checkpoint is replaced only with overwrite,
// and nothing is lost when the store fails: the checkpoint is then written to
// the local folder and handed to the upload destinations, which retry it and
// report for good at the end of fit.
#include <algorithm>

#include "cairn/errors.h"
#include "cairn/logger.h"
#include "checkpoint/io/checkpoint_writer.h"
#include "checkpoint/saver/checkpoint_saver.h"

namespace cairn {

void CheckpointSaver::stream_into(std::shared_ptr<ObjectStore> store) { stream_store_ = std::move(store); }

std::optional<std::string> CheckpointSaver::remote_pointer_name(const State& state) const {
  if (!options_.latest_remote_file_name) return std::nullopt;
  return remote_name("latest_remote_file_name", *options_.latest_remote_file_name, state) + ".symlink";
}

CheckpointSaver::StreamTarget CheckpointSaver::prepare_stream(const State& state) const {
  StreamTarget target{remote_checkpoint_name(state), remote_pointer_name(state)};
  if (options_.overwrite) return target;
  bool exists = false;
  try {
    stream_store_->get_object_size(target.object);
    exists = true;
  } catch (const NotFoundError&) {
  } catch (const StoreError&) {
    // The store cannot be asked now: the stream meets the same failure and
    // falls back to the upload destinations, which check again.
  }
  if (!exists) return target;
  const std::string uri = stream_store_->get_uri(target.object);
  if (!options_.replace_interrupted_saves) {
    throw ConfigError("checkpoint '" + uri + "' already exists and overwrite is off; delete it, choose another " +
                      "save_folder or filename, or set save_overwrite");
  }
  if (state.logger != nullptr) {
    state.logger->warn("autoresume: replacing checkpoint '" + uri + "', which an interrupted run saved after the "
                       "checkpoint this run resumed from, before its latest pointer moved on");
  }
  return target;
}

CheckpointSaver::StreamOutcome CheckpointSaver::stream_or_write(const c10::IValue& root, const StreamTarget& target,
                                                                const std::string& path) const {
  StreamOutcome outcome{target};
  const checkpoint::CheckpointWriteOptions write_options{false, signing_key_};
  try {
    checkpoint::stream_checkpoint(root, *stream_store_, target.object, write_options);
    outcome.checkpoint_streamed = true;
  } catch (const StoreError& e) {
    outcome.failure = e.what();
    checkpoint::write_checkpoint(root, path, write_options);
    return outcome;
  }
  if (!target.pointer) return outcome;
  try {
    // Composer's pointer: the checkpoint's object name, no newline.
    const std::unique_ptr<ObjectWriter> pointer = stream_store_->open_writer(*target.pointer, target.object.size());
    pointer->write(target.object.data(), target.object.size());
    pointer->commit();
    outcome.pointer_streamed = true;
  } catch (const StoreError& e) {
    outcome.failure = e.what();
  }
  return outcome;
}

bool CheckpointSaver::finish_streamed_save(const StreamOutcome& outcome, State& state) {
  const std::string uri = stream_store_->get_uri(outcome.target.object);
  if (!outcome.checkpoint_streamed) {
    if (state.logger != nullptr) {
      state.logger->warn("could not stream checkpoint '" + uri + "' to the store (" + outcome.failure +
                         "); it was written locally and is uploaded from there");
    }
    return false;
  }
  ++num_saved_;
  saved_checkpoints_.erase(std::remove(saved_checkpoints_.begin(), saved_checkpoints_.end(), uri),
                           saved_checkpoints_.end());
  saved_checkpoints_.push_back(uri);
  if (outcome.target.pointer && !outcome.pointer_streamed) {
    if (state.logger != nullptr) {
      state.logger->warn("could not stream the latest pointer '" + stream_store_->get_uri(*outcome.target.pointer) +
                         "' to the store (" + outcome.failure + "); it is uploaded in the background instead");
    }
    hand_over_pointer(outcome.target.object, state);
  }
  if (state.logger != nullptr) state.logger->info("Saved checkpoint '" + uri + "' at " + state.timestamp.to_string());
  return true;
}

}  // namespace cairn
