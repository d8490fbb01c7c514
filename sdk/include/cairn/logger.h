// One place where metrics and messages go: the console, and whatever logger
// destinations are enabled. Callbacks report through this, never by printing.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "cairn/export.h"
#include "cairn/logger_destination.h"
#include "cairn/time.h"

namespace cairn {

class CAIRN_EXPORT Logger {
 public:
  virtual ~Logger();
  virtual void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) = 0;
  virtual void info(const std::string& message) = 0;
  // Something the user should look at that did not stop the run.
  virtual void warn(const std::string& message) = 0;
  // Whether any destination uploads files (LoggerDestination::can_upload_files).
  virtual bool can_upload_files() const { return false; }
  // Hands a file to every destination that uploads (LoggerDestination::upload_file).
  // Returns a receipt that is confirmed once every such destination confirmed
  // it, or nullptr when none tracks it. The default, for loggers without
  // destinations, drops the file.
  virtual std::shared_ptr<const UploadReceipt> upload_file(const std::string& remote_file_name,
                                                           const std::string& file_path, bool overwrite,
                                                           FileAfterUpload after = FileAfterUpload::kMayChange) {
    return nullptr;
  }
};

}  // namespace cairn
