// RemoteUploaderDownloader: Composer's RUD, a callback that is also a logger
// destination. Every file any callback hands to the run's logger
// (state.logger->upload_file, e.g. each checkpoint a CheckpointSaver writes)
// is uploaded to `bucket_uri` in the background, through an UploadQueue.
//
// When uploads fail for good, training goes on (the local checkpoints stay),
// each failure is logged as a warning at the next batch end, and at FIT_END
// the callback waits for every upload and throws one StoreError listing the
// failures, so fit() fails. An authentication or permission failure stops the
// run at the next batch end instead: every later upload would fail the same way.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cairn/destination_callback.h"
#include "cairn/dist.h"
#include "cairn/object_store.h"
#include "remote/upload_queue.h"

namespace cairn {

class Logger;
class StoreOpener;

struct RemoteUploaderDownloaderOptions {
  // "s3://bucket", "file:///abs/folder": the scheme picks the store plugin.
  std::string bucket_uri;
  // The store's JSON config (credentials, endpoint, transfer settings).
  nlohmann::json backend_kwargs = nlohmann::json::object();
  // Object name of an uploaded file: {remote_file_name}, {run_name} and the
  // dist fields ({rank}, ...); a leading '/' is dropped.
  std::string file_path_format_string = "{remote_file_name}";
  int num_concurrent_uploads = 1;
  std::string upload_staging_folder;  // empty: a temporary folder
  int num_attempts = 3;
  // Cairn only: the first retry's pause; later ones double it (Composer: 1 s).
  double initial_backoff_seconds = 1.0;
  // Composer's use_procs picks processes or threads; Cairn always uses threads.
  bool use_procs_given = false;

  // Composer's argument names as JSON keys, plus initial_backoff_seconds.
  static RemoteUploaderDownloaderOptions from_json(const nlohmann::json& config);
};

class RemoteUploaderDownloader : public DestinationCallback {
 public:
  // Opens one store for each upload worker and one for the training thread.
  using OpenOneStore = std::function<std::shared_ptr<ObjectStore>()>;
  RemoteUploaderDownloader(RemoteUploaderDownloaderOptions options, const OpenOneStore& open_store);
  // Stores come from `stores` by the URI's scheme; an unknown scheme is a
  // ConfigError naming it and the schemes that are handled.
  static std::unique_ptr<RemoteUploaderDownloader> open(RemoteUploaderDownloaderOptions options,
                                                        const StoreOpener& stores);
  const RemoteUploaderDownloaderOptions& options() const { return options_; }
  void on_event(Event event, State& state) override;
  void close(State& state) noexcept override;
  // LoggerDestination: queues the file. With overwrite off, an object of that
  // name that exists or is queued throws AlreadyExistsError now. A file that
  // is only ever replaced whole is staged by a hard link, not a copy.
  bool can_upload_files() const override { return true; }
  std::shared_ptr<const UploadReceipt> upload_file(const std::string& remote_file_name, const std::string& file_path,
                                                   bool overwrite,
                                                   FileAfterUpload after = FileAfterUpload::kMayChange) override;
  // Downloads, following a "<name>.symlink" pointer when the object itself
  // does not exist (Composer's download_file / get_file). NotFoundError when
  // neither exists.
  void download_file(const std::string& remote_file_name, const std::string& destination,
                     const ProgressFn& progress = {}) override;
  // The URI a remote file name is stored under (Composer's get_uri_for_file).
  std::string uri_for_file(const std::string& remote_file_name) const override;
  std::string bucket_uri() const override { return bucket_.scheme + "://" + bucket_.bucket; }
  bool renames_uploads() const override;
  // The object name a remote file name is stored under.
  std::string object_name(const std::string& remote_file_name) const;
  // Blocks until every queued upload finished; logs what the workers
  // reported; throws StoreError listing the uploads that finally failed.
  void wait_for_uploads(Logger* logger);

  // Where the local copies of the uploaded files live, when a caller made
  // that folder for them (a URI save_folder): a failure then says where.
  void set_local_copies_folder(std::string folder) { local_copies_folder_ = std::move(folder); }

 private:
  void log_worker_messages(Logger* logger);

  RemoteUploaderDownloaderOptions options_;
  Uri bucket_;
  std::string run_name_;
  DistInfo dist_ = DistInfo::single_process();
  bool initialized_ = false;
  std::unique_ptr<UploadQueue> queue_;
  std::string local_copies_folder_;
};

}  // namespace cairn
