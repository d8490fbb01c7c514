// Out-of-line anchors of the core interfaces: their vtables and RTTI live in
// libcairn_sdk_core.so, once per process.
#include <algorithm>
#include <chrono>
#include <thread>

#include "cairn/errors.h"
#include "cairn/logger.h"
#include "cairn/logger_destination.h"
#include "cairn/object_store.h"
#include "cairn/registrar.h"

namespace cairn {

Logger::~Logger() = default;
UploadReceipt::~UploadReceipt() = default;
UploadReceipt::Status UploadReceipt::wait() const {
  // Uploads take seconds to minutes: a pause growing to 100 ms costs nothing
  // against that, and keeps a waiting rank from spinning a core.
  std::chrono::milliseconds pause(1);
  for (Status s = status();; s = status()) {
    if (s != Status::kPending) return s;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}
LoggerDestination::~LoggerDestination() = default;
void LoggerDestination::download_file(const std::string& remote_file_name, const std::string&, const ProgressFn&) {
  throw NotFoundError("'" + remote_file_name + "': this logger destination keeps no files to download");
}
ObjectStore::~ObjectStore() = default;
Registrar::~Registrar() = default;
void Registrar::describe_config(const std::string&, const std::string&, const ConfigSchema&) {}

}  // namespace cairn
