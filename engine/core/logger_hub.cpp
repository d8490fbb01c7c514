#include "core/logger_hub.h"

#include <algorithm>

namespace cairn {
namespace {

class AllReceipts : public UploadReceipt {
 public:
  explicit AllReceipts(std::vector<std::shared_ptr<const UploadReceipt>> parts) : parts_(std::move(parts)) {}
  Status status() const override {
    Status all = Status::kConfirmed;
    for (const auto& part : parts_) {
      const Status s = part->status();
      if (s == Status::kFailed) return s;
      if (s == Status::kPending) all = s;
    }
    return all;
  }
  Status wait() const override {
    for (const auto& part : parts_) {
      if (part->wait() == Status::kFailed) return Status::kFailed;
    }
    return Status::kConfirmed;
  }
  std::string failure() const override {
    for (const auto& part : parts_) {
      if (part->status() == Status::kFailed) return part->failure();
    }
    return {};
  }

 private:
  std::vector<std::shared_ptr<const UploadReceipt>> parts_;
};

}  // namespace

void LoggerHub::attach(LoggerDestination* destination) {
  if (destination && std::find(destinations_.begin(), destinations_.end(), destination) == destinations_.end()) {
    destinations_.push_back(destination);
  }
}

void LoggerHub::log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) {
  console_->log_metrics(metrics, at);
  for (auto* d : destinations_) d->log_metrics(metrics, at);
}

bool LoggerHub::can_upload_files() const {
  return console_->can_upload_files() || std::any_of(destinations_.begin(), destinations_.end(),
                     [](const LoggerDestination* d) { return d->can_upload_files(); });
}

std::shared_ptr<const UploadReceipt> LoggerHub::upload_file(const std::string& remote_file_name,
                                                           const std::string& file_path, bool overwrite,
                                                           FileAfterUpload after) {
  std::vector<std::shared_ptr<const UploadReceipt>> receipts;
  // The console logger may be an embedding application's Logger that uploads.
  if (console_->can_upload_files()) {
    if (auto receipt = console_->upload_file(remote_file_name, file_path, overwrite, after)) receipts.push_back(receipt);
  }
  for (auto* d : destinations_) {
    if (!d->can_upload_files()) continue;
    if (auto receipt = d->upload_file(remote_file_name, file_path, overwrite, after)) receipts.push_back(receipt);
  }
  if (receipts.empty()) return nullptr;
  if (receipts.size() == 1) return receipts.front();
  return std::make_shared<AllReceipts>(std::move(receipts));
}

}  // namespace cairn
