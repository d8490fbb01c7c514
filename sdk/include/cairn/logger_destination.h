// LoggerDestination: where metrics and files go besides the console.
//
// As in Composer, a destination is a callback: a Callback that also derives
// from LoggerDestination (most simply through DestinationCallback,
// cairn/destination_callback.h) is attached to the run's Logger when it is
// enabled, and then receives everything logged by the engine and by other
// callbacks. Examples: a JSONL metrics file, the RemoteUploaderDownloader.
//
// A destination that uploads files (can_upload_files) is an upload
// destination: checkpoint savers hand each checkpoint to the run's Logger,
// which passes it to every upload destination, and autoresume asks each of them
// for the remote latest checkpoint. The engine finds them through these
// functions alone, never by their concrete type.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "cairn/export.h"
#include "cairn/object_store.h"
#include "cairn/time.h"

namespace cairn {

// What became of one file handed over for upload, for callers that keep a
// local copy until the store has it (the checkpoint saver's rotation).
class CAIRN_EXPORT UploadReceipt {
 public:
  enum class Status { kPending, kConfirmed, kFailed };
  virtual ~UploadReceipt();
  virtual Status status() const = 0;
  // Blocks until the upload has ended (retries included) and returns how. The
  // default asks status() every few milliseconds; a destination that can be
  // woken overrides it.
  virtual Status wait() const;
  // Why it failed: one line naming the object and the store's own error;
  // empty unless status() is kFailed.
  virtual std::string failure() const { return {}; }
};

// How the caller treats a file after handing it over.
enum class FileAfterUpload {
  // It may be rewritten in place: the destination copies it before returning.
  kMayChange,
  // It is only ever renamed over or deleted, never rewritten (a checkpoint
  // written through a temporary file): the destination may link it instead
  // of copying gigabytes.
  kReplacedWhole,
};

class CAIRN_EXPORT LoggerDestination {
 public:
  virtual ~LoggerDestination();

  virtual void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) {}

  // Composer's can_upload_files(): whether upload_file does anything.
  virtual bool can_upload_files() const { return false; }

  // A file that should reach remote storage as `remote_file_name` (a name
  // relative to the destination's own bucket or folder), e.g. a checkpoint the
  // saver has just written. Must return quickly: uploading destinations queue
  // the file and upload it in the background. `overwrite` false: an existing
  // remote object of that name is an error. Returns what became of it, or
  // nullptr when the destination does not track its uploads.
  virtual std::shared_ptr<const UploadReceipt> upload_file(const std::string& remote_file_name,
                                                           const std::string& file_path, bool overwrite,
                                                           FileAfterUpload after = FileAfterUpload::kMayChange) {
    return nullptr;
  }

  // Composer's download_file: the file uploaded as `remote_file_name`, written
  // to `destination`. NotFoundError when this destination does not have it
  // (the default: it keeps no files).
  virtual void download_file(const std::string& remote_file_name, const std::string& destination,
                             const ProgressFn& progress = {});

  // Where `remote_file_name` is stored, for messages ("s3://bucket/run/ep1.pt").
  virtual std::string uri_for_file(const std::string& remote_file_name) const { return remote_file_name; }

  // The bucket its uploads go to ("s3://bucket"); empty when it uploads
  // nowhere. A trainer whose save_folder is in that bucket uploads through
  // this destination rather than opening a second one (Composer's rule).
  virtual std::string bucket_uri() const { return {}; }

  // Whether files are stored under a name other than the remote_file_name
  // they were handed over with (a custom file_path_format_string): remote
  // "latest" pointers, which name objects, cannot work through it then.
  virtual bool renames_uploads() const { return false; }
};

}  // namespace cairn
