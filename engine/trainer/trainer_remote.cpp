// A save_folder that is a URI (s3://bucket/path, file:///abs, any scheme a
// loaded store plugin handles). Full checkpoints stream straight into the
// store (CheckpointSaver::stream_into). Otherwise, as Composer does it,
// checkpoints are written to a local staging folder first, then uploaded in
// the background by a RemoteUploaderDownloader for the bucket; the remote
// latest pointer follows each checkpoint once it is confirmed (see
// remote/upload_queue.h). The uploader is opened either way: it downloads for
// autoresume, and uploads what a failed stream left locally.
#include <algorithm>
#include <exception>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "core/temp_folder.h"
#include "store/store_opener.h"
#include "trainer/trainer.h"
#include "trainer/trainer_impl.h"

namespace cairn {
namespace fs = std::filesystem;

namespace {

std::string bucket_of(const Uri& uri) { return uri.scheme + "://" + uri.bucket; }

}  // namespace

void Trainer::Impl::prepare_remote_save(CheckpointSaverOptions& so, const Uri& save_uri) {
  // Composer keeps one uploader per bucket: a user's destination that already
  // writes there, with its settings, else one the trainer opens.
  const bool user_uploads_there = std::any_of(hub->destinations().begin(), hub->destinations().end(),
                                              [&](const LoggerDestination* d) {
                                                return d->can_upload_files() && d->bucket_uri() == bucket_of(save_uri);
                                              });
  if (!user_uploads_there) {
    RemoteUploaderDownloaderOptions uploader_options;
    uploader_options.bucket_uri = bucket_of(save_uri);
    try {
      own_uploader = RemoteUploaderDownloader::open(uploader_options, stores());
    } catch (const ConfigError& e) {
      throw ConfigError("save_folder '" + *options.save_folder + "': " + e.what());
    }
  }
  // A fresh local folder per run (Composer: tempfile.mkdtemp()/<path>), so a
  // stale local copy from an earlier run can never shadow the remote latest.
  const std::string pattern =
      make_temp_folder("cairn-save-", "for the local copies of save_folder '" + *options.save_folder + "'");
  so.folder = save_uri.path.empty() ? pattern : (fs::path(pattern) / save_uri.path).string();
  save_staging_folder = pattern;
  if (own_uploader) own_uploader->set_local_copies_folder(pattern);
  // Streaming hands nothing to the run's upload destinations, so it is only
  // for a run whose one destination is the trainer's own uploader.
  const bool others_upload = std::any_of(hub->destinations().begin(), hub->destinations().end(),
                                         [](const LoggerDestination* d) { return d->can_upload_files(); });
  if (own_uploader && !others_upload && !options.save_stage_locally && options.state_dict_type != "sharded") {
    save_stream_store = stores().open_store_for_uri(Uri{save_uri.scheme, save_uri.bucket, ""}, nlohmann::json::object());
  }
}

Trainer::Impl::EmptyFolderRemover::~EmptyFolderRemover() {
  if (path.empty()) return;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_directory(ec)) return;  // something was saved: remove_save_staging_folder decides
  }
  fs::remove_all(path, ec);
}

void Trainer::Impl::remove_save_staging_folder() {
  if (save_staging_folder.empty() || !saver) return;
  if (!saver->uploads_all_confirmed()) {
    // While an error propagates, our own uploader's failure already names the
    // folder: one line, not two.
    if (std::uncaught_exceptions() == 0 || !own_uploader) {
      logger->warn("save_folder '" + *options.save_folder + "': not every checkpoint reached the store; the local "
                   "copies are kept in '" + save_staging_folder + "' (upload them with 'cairn cp', then delete it)");
    }
    return;
  }
  std::error_code ec;
  fs::remove_all(save_staging_folder, ec);
  if (ec) {
    logger->warn("cannot remove the local staging folder '" + save_staging_folder + "' of save_folder '" +
                 *options.save_folder + "' (" + ec.message() + "); every checkpoint was uploaded, so delete it");
  }
  save_staging_folder.clear();
}

void Trainer::Impl::check_uploaders_keep_names() const {
  if (!options.save_latest_filename) return;
  for (const auto& c : options.callbacks) {
    const LoggerDestination* destination = c.object->as_logger_destination();
    if (destination && destination->can_upload_files() && destination->renames_uploads()) {
      throw ConfigError("callback '" + c.name + "': a file_path_format_string other than {remote_file_name}"
                        " is not supported while save_latest_filename is set, since the remote latest pointer "
                        "names objects by their unformatted names; drop it or set save_latest_filename to none");
    }
  }
}

std::unique_ptr<FetchedCheckpoint> Trainer::Impl::fetch_from_destination(size_t index, const std::string& remote_name) {
  LoggerDestination& source = *hub->destinations().at(index);
  const std::string uri = source.uri_for_file(remote_name);
  // A folder of this rank's own, not the local latest pointer's place: a
  // sharded checkpoint arrives as a folder, and the next save puts a symlink there.
  std::unique_ptr<FetchedCheckpoint> fetched;
  try {
    fetched = download_to_temp_folder(uri, [&](const std::string& local) {
      source.download_file(remote_name, local, download_progress(uri));
    });
  } catch (const NotFoundError&) {
    return nullptr;
  }
  // Said by the first rank of each machine, which fetches for all its ranks.
  logger->info("autoresume: downloaded the remote latest checkpoint " + uri);
  return fetched;
}

}  // namespace cairn
