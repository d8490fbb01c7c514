// The run's Logger: messages go to the console logger; metrics go to it and to
// every attached LoggerDestination; files to upload go to the destinations that
// upload (LoggerDestination::can_upload_files).
#pragma once

#include <memory>
#include <vector>

#include "cairn/logger.h"
#include "cairn/logger_destination.h"

namespace cairn {

class LoggerHub : public Logger {
 public:
  explicit LoggerHub(std::shared_ptr<Logger> console) : console_(std::move(console)) {}

  // Not owned: destinations are callbacks, which the trainer keeps alive for
  // as long as the hub. Attaching one twice keeps the first.
  void attach(LoggerDestination* destination);
  // In attach order (Composer's order for autoresume downloads).
  const std::vector<LoggerDestination*>& destinations() const { return destinations_; }

  void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) override;
  void info(const std::string& message) override { console_->info(message); }
  void warn(const std::string& message) override { console_->warn(message); }
  bool can_upload_files() const override;
  // The receipt is confirmed once every destination that tracks the upload
  // confirmed it, and failed as soon as one failed.
  std::shared_ptr<const UploadReceipt> upload_file(const std::string& remote_file_name, const std::string& file_path,
                                                   bool overwrite, FileAfterUpload after) override;

 private:
  std::shared_ptr<Logger> console_;
  std::vector<LoggerDestination*> destinations_;
};

}  // namespace cairn
