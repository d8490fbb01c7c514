#include "core/logger_hub.h"

#include <algorithm>

namespace cairn {

void LoggerHub::attach(LoggerDestination* destination) {
  if (destination && std::find(destinations_.begin(), destinations_.end(), destination) == destinations_.end()) {
    destinations_.push_back(destination);
  }
}

void LoggerHub::log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) {
  console_->log_metrics(metrics, at);
  for (auto* d : destinations_) d->log_metrics(metrics, at);
}

void LoggerHub::upload_file(const std::string& remote_file_name, const std::string& file_path, bool overwrite) {
  console_->upload_file(remote_file_name, file_path, overwrite);
  for (auto* d : destinations_) d->upload_file(remote_file_name, file_path, overwrite);
}

}  // namespace cairn
