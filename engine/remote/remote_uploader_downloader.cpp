#include "remote/remote_uploader_downloader.h"

#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/logger.h"
#include "cairn/state.h"
#include "checkpoint/fetch/checkpoint_source.h"
#include "store/store_opener.h"
#include "checkpoint/saver/name_format.h"
#include "core/safe_names.h"

namespace cairn {

RemoteUploaderDownloaderOptions RemoteUploaderDownloaderOptions::from_json(const nlohmann::json& config) {
  Config cfg("callback 'RemoteUploaderDownloader'", config);
  RemoteUploaderDownloaderOptions o;
  o.bucket_uri = cfg.require<std::string>("bucket_uri");
  o.backend_kwargs = cfg.get<nlohmann::json>("backend_kwargs", o.backend_kwargs);
  if (o.backend_kwargs.is_null()) o.backend_kwargs = nlohmann::json::object();
  if (!o.backend_kwargs.is_object()) {
    cfg.fail("backend_kwargs", "must be a JSON object (the store's config), got " + o.backend_kwargs.dump());
  }
  o.file_path_format_string = cfg.get<std::string>("file_path_format_string", o.file_path_format_string);
  o.num_concurrent_uploads = cfg.get<int>("num_concurrent_uploads", o.num_concurrent_uploads);
  const auto staging = cfg.get<nlohmann::json>("upload_staging_folder", nullptr);
  if (staging.is_string()) {
    o.upload_staging_folder = staging.get<std::string>();
  } else if (!staging.is_null()) {
    cfg.fail("upload_staging_folder", "must be a folder path or null, got " + staging.dump());
  }
  o.use_procs_given = cfg.has("use_procs");
  cfg.get<bool>("use_procs", true);
  o.num_attempts = cfg.get<int>("num_attempts", o.num_attempts);
  o.initial_backoff_seconds = cfg.get<double>("initial_backoff_seconds", o.initial_backoff_seconds);
  cfg.finish();
  return o;
}

RemoteUploaderDownloader::RemoteUploaderDownloader(RemoteUploaderDownloaderOptions options,
                                                   const OpenOneStore& open_store)
    : options_(std::move(options)), bucket_(Uri::parse(options_.bucket_uri)) {
  const std::string owner = "RemoteUploaderDownloader";
  if (bucket_.is_local()) {
    throw ConfigError(owner + " bucket_uri '" + options_.bucket_uri +
                      "' is not a URI; give one like s3://bucket or file:///absolute/folder");
  }
  if (options_.num_concurrent_uploads < 1) {
    throw ConfigError(owner + " num_concurrent_uploads must be >= 1 (got " +
                      std::to_string(options_.num_concurrent_uploads) + "); blocking uploads are not supported");
  }
  std::set<std::string> fields = dist_field_names();
  fields.insert("remote_file_name");
  check_template_fields(options_.file_path_format_string, fields, owner + " file_path_format_string");
  UploadSettings settings;
  settings.num_concurrent_uploads = options_.num_concurrent_uploads;
  settings.retry = composer_retry_policy(options_.num_attempts, options_.initial_backoff_seconds, owner);
  settings.staging_folder = options_.upload_staging_folder;
  // Opened now, so that a bad URI or store config fails before training.
  std::vector<std::shared_ptr<ObjectStore>> stores;
  for (int i = 0; i <= options_.num_concurrent_uploads; ++i) stores.push_back(open_store());
  queue_ = std::make_unique<UploadQueue>(std::move(stores), settings);
}

std::unique_ptr<RemoteUploaderDownloader> RemoteUploaderDownloader::open(RemoteUploaderDownloaderOptions options,
                                                                         const StoreOpener& stores) {
  const Uri uri = Uri::parse(options.bucket_uri);
  const nlohmann::json config = options.backend_kwargs;
  return std::make_unique<RemoteUploaderDownloader>(std::move(options), [&stores, uri, config] {
    return stores.open_store_for_uri(uri, config);
  });
}

std::string RemoteUploaderDownloader::object_name(const std::string& remote_file_name) const {
  auto values = initialized_ ? dist_format_values(run_name_, dist_) : std::map<std::string, std::string>{};
  values["remote_file_name"] = remote_file_name;
  // Inside the bucket (or the folder a file:// bucket is): no '..' component.
  return name_inside_folder(partial_format(options_.file_path_format_string, values),
                            "RemoteUploaderDownloader object name", options_.file_path_format_string);
}

std::string RemoteUploaderDownloader::uri_for_file(const std::string& remote_file_name) const {
  return queue_->caller_store().get_uri(object_name(remote_file_name));
}

bool RemoteUploaderDownloader::renames_uploads() const {
  return options_.file_path_format_string != RemoteUploaderDownloaderOptions().file_path_format_string;
}

std::shared_ptr<const UploadReceipt> RemoteUploaderDownloader::upload_file(const std::string& remote_file_name,
                                                                          const std::string& file_path,
                                                                          bool overwrite, FileAfterUpload after) {
  return queue_->enqueue(object_name(remote_file_name), file_path, overwrite,
                         after == FileAfterUpload::kReplacedWhole ? StagingFolder::Mode::kLinkIfPossible
                                                                  : StagingFolder::Mode::kCopy);
}

void RemoteUploaderDownloader::download_file(const std::string& remote_file_name, const std::string& destination,
                                             const ProgressFn& progress) {
  download_following_symlinks(queue_->caller_store(), object_name(remote_file_name), destination, progress);
}

void RemoteUploaderDownloader::log_worker_messages(Logger* logger) {
  for (const auto& message : queue_->take_messages()) {
    if (logger == nullptr) continue;
    if (message.warning) {
      logger->warn(message.text);
    } else {
      logger->info(message.text);
    }
  }
}

void RemoteUploaderDownloader::wait_for_uploads(Logger* logger) {
  const std::vector<UploadFailure> failures = queue_->wait();
  log_worker_messages(logger);
  if (failures.empty()) return;
  std::string causes;
  for (const auto& f : failures) causes += (causes.empty() ? "" : "; ") + f.cause;
  const std::string kept = local_copies_folder_.empty() ? "the local copies were kept"
                                                        : "the local copies were kept in '" + local_copies_folder_ + "'";
  throw StoreError(StoreErrorKind::kOther, std::to_string(failures.size()) + " upload(s) to " + options_.bucket_uri +
                                               " failed, so the remote checkpoints are incomplete (" + kept +
                                               "): " + causes);
}

void RemoteUploaderDownloader::on_event(Event event, State& state) {
  switch (event) {
    case Event::INIT:
      run_name_ = state.run_name;
      dist_ = state.dist;
      initialized_ = true;
      if (options_.use_procs_given && state.logger != nullptr) {
        state.logger->info("RemoteUploaderDownloader: use_procs is ignored; Cairn uploads on " +
                           std::to_string(options_.num_concurrent_uploads) + " background thread(s)");
      }
      break;
    case Event::BATCH_END:
    case Event::EPOCH_END:
      log_worker_messages(state.logger);
      if (queue_->has_authentication_failure()) wait_for_uploads(state.logger);
      break;
    case Event::FIT_END:
      wait_for_uploads(state.logger);
      break;
    default:
      break;
  }
}

void RemoteUploaderDownloader::close(State& state) noexcept {
  try {
    // Failures were raised at FIT_END; ones from uploads queued after it
    // (or a run stopped by an error) are logged, since close must not throw.
    queue_->wait();
    log_worker_messages(state.logger);
  } catch (...) {
  }
}

}  // namespace cairn
