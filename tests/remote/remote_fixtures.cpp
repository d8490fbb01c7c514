#include "remote_fixtures.h"

#include <algorithm>
#include <filesystem>

#include "app/engine_host.h"

namespace cairn::test {

std::shared_ptr<PluginHost> host_with_faults(const std::shared_ptr<FaultPlan>& plan) {
  auto host = std::make_shared<EngineHost>();
  register_fault_store(*host, plan);
  return host;
}

RemoteUploaderDownloaderOptions fast_uploader_options(int num_attempts, int num_concurrent_uploads) {
  RemoteUploaderDownloaderOptions o;
  o.bucket_uri = "faulty://bucket";
  o.num_attempts = num_attempts;
  o.num_concurrent_uploads = num_concurrent_uploads;
  o.initial_backoff_seconds = 0.001;
  return o;
}

bool contains_any(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

std::vector<std::string> files_under(const std::string& folder) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return names;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (e.is_regular_file()) names.push_back(fs::relative(e.path(), folder).generic_string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace cairn::test
