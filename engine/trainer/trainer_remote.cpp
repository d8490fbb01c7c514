// A save_folder that is a URI (s3://bucket/path, file:///abs, any scheme a
// loaded store plugin handles), as Composer does it: checkpoints are written
// to a local staging folder first, then uploaded in the background by a
// RemoteUploaderDownloader for the bucket; the remote latest pointer follows
// each checkpoint once it is confirmed (see remote/upload_queue.h).
#include <exception>
#include <filesystem>

#include "cairn/errors.h"
#include "core/temp_folder.h"
#include "plugin_host/plugin_host.h"
#include "trainer/trainer.h"
#include "trainer/trainer_impl.h"

namespace cairn {
namespace fs = std::filesystem;

namespace {

const std::string kDefaultFormat = "{remote_file_name}";

bool same_bucket(const Uri& a, const Uri& b) { return a.scheme == b.scheme && a.bucket == b.bucket; }

}  // namespace

void Trainer::Impl::prepare_remote_save(CheckpointSaverOptions& so, const Uri& save_uri) {
  for (const auto& c : options.callbacks) {
    auto given = std::dynamic_pointer_cast<RemoteUploaderDownloader>(c.object);
    if (given && same_bucket(given->bucket(), save_uri)) {
      // Composer keeps one uploader per bucket: the user's, with its settings.
      save_uploader = given;
      break;
    }
  }
  if (!save_uploader) {
    RemoteUploaderDownloaderOptions uploader_options;
    uploader_options.bucket_uri = save_uri.scheme + "://" + save_uri.bucket;
    try {
      save_uploader = RemoteUploaderDownloader::open(uploader_options, plugin_host());
    } catch (const ConfigError& e) {
      throw ConfigError("save_folder '" + *options.save_folder + "': " + e.what());
    }
    save_uploader_is_own = true;
  }
  // A fresh local folder per run (Composer: tempfile.mkdtemp()/<path>), so a
  // stale local copy from an earlier run can never shadow the remote latest.
  const std::string pattern =
      make_temp_folder("cairn-save-", "for the local copies of save_folder '" + *options.save_folder + "'");
  so.folder = save_uri.path.empty() ? pattern : (fs::path(pattern) / save_uri.path).string();
  save_staging_folder = pattern;
  save_uploader->set_local_copies_folder(pattern);
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
  if (save_staging_folder.empty() || !primary_saver) return;
  if (!primary_saver->uploads_all_confirmed()) {
    // While an error propagates, it already names the folder (the uploader's
    // failure says where the local copies are): one line, not two.
    if (std::uncaught_exceptions() == 0) {
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
    auto uploader = std::dynamic_pointer_cast<RemoteUploaderDownloader>(c.object);
    if (uploader && uploader->options().file_path_format_string != kDefaultFormat) {
      throw ConfigError("callback '" + c.name + "': a file_path_format_string other than " + kDefaultFormat +
                        " is not supported while save_latest_filename is set, since the remote latest pointer "
                        "names objects by their unformatted names; drop it or set save_latest_filename to none");
    }
  }
}

bool Trainer::Impl::download_remote_latest(const std::string& local_latest) {
  const auto remote = primary_saver ? primary_saver->formatted_latest_remote_name(state) : std::nullopt;
  if (!remote) return false;
  // Composer's order: every uploading destination, then the saver's own uploader.
  std::vector<std::shared_ptr<RemoteUploaderDownloader>> sources;
  for (const auto& c : options.callbacks) {
    if (auto uploader = std::dynamic_pointer_cast<RemoteUploaderDownloader>(c.object)) sources.push_back(uploader);
  }
  if (save_uploader_is_own) sources.push_back(save_uploader);
  std::error_code ec;
  fs::create_directories(fs::path(local_latest).parent_path(), ec);
  for (const auto& source : sources) {
    try {
      source->download_file(*remote, local_latest, download_progress(source->get_uri_for_file(*remote)));
    } catch (const NotFoundError&) {
      continue;
    }
    // Cairn's own copy of the latest: the next save may replace it.
    if (primary_saver) primary_saver->adopt_latest_file(local_latest);
    logger->info("autoresume: downloaded the remote latest checkpoint " + source->get_uri_for_file(*remote));
    return true;
  }
  return false;
}

}  // namespace cairn
