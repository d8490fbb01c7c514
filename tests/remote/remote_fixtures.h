// Shared set-up for the remote tests: a fault-injecting store behind a
// PluginHost, a queue or RemoteUploaderDownloader on it, and small file helpers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cairn/logger.h"
#include "fault_store.h"
#include "remote/remote_uploader_downloader.h"

namespace cairn::test {

// A PluginHost with the built-ins and the "faulty" store over `plan`.
std::shared_ptr<PluginHost> host_with_faults(const std::shared_ptr<FaultPlan>& plan);

// The RUD's options for faulty://bucket with fast retries (tests must not
// sleep for Composer's one-second backoff).
RemoteUploaderDownloaderOptions fast_uploader_options(int num_attempts, int num_concurrent_uploads = 2);

// A Logger that keeps every line, so tests can look for what the run said.
class RecordingLogger : public Logger {
 public:
  void log_metrics(const std::map<std::string, double>&, const Timestamp&) override {}
  void info(const std::string& message) override { infos.push_back(message); }
  void warn(const std::string& message) override { warnings.push_back(message); }
  std::vector<std::string> infos;
  std::vector<std::string> warnings;
};

// Whether any line contains `part`.
bool contains_any(const std::vector<std::string>& lines, const std::string& part);

// Every regular file under `folder`, as paths relative to it, sorted.
std::vector<std::string> files_under(const std::string& folder);

}  // namespace cairn::test
