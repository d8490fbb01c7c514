// LoggerDestination: where metrics and files go besides the console.
//
// As in Composer, a destination is a callback: a Callback that also derives
// from LoggerDestination is attached to the run's Logger when it is enabled,
// and then receives everything logged by the engine and by other callbacks.
// Examples: a JSONL metrics file, the RemoteUploaderDownloader.
#pragma once

#include <map>
#include <string>

#include "cairn/export.h"
#include "cairn/time.h"

namespace cairn {

class CAIRN_EXPORT LoggerDestination {
 public:
  virtual ~LoggerDestination();

  virtual void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) {}

  // A file that should reach remote storage as `remote_file_name` (a name
  // relative to the destination's own bucket or folder), e.g. a checkpoint the
  // saver has just written. Must return quickly: uploading destinations queue
  // the file and upload it in the background. `overwrite` false: an existing
  // remote object of that name is an error.
  virtual void upload_file(const std::string& remote_file_name, const std::string& file_path, bool overwrite) {}
};

}  // namespace cairn
