#include "remote/staging_folder.h"

#include <unistd.h>

#include <filesystem>

#include "cairn/errors.h"
#include "core/temp_folder.h"

namespace cairn {
namespace fs = std::filesystem;

StagingFolder::StagingFolder(const std::string& folder) {
  if (folder.empty()) {
    path_ = make_temp_folder("cairn-upload-", "for staging uploads (upload_staging_folder is not set)");
    owned_ = true;
    return;
  }
  std::error_code ec;
  path_ = fs::absolute(folder).lexically_normal().string();
  fs::create_directories(path_, ec);
  if (ec || !fs::is_directory(path_)) {
    throw ConfigError("upload_staging_folder '" + folder + "' cannot be created (" +
                      (ec ? ec.message() : std::string("not a folder")) + "); choose a writable folder");
  }
}

StagingFolder::~StagingFolder() {
  if (owned_) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
}

std::string StagingFolder::stage(const std::string& local_path, Mode mode) {
  const std::string staged = (fs::path(path_) / ("staged-" + std::to_string(::getpid()) + "-" +
                                                 std::to_string(counter_.fetch_add(1))))
                                 .string();
  std::error_code ec;
  if (mode == Mode::kLinkIfPossible) {
    fs::create_hard_link(local_path, staged, ec);
    if (!ec) return staged;
    // Different filesystems, or one without hard links: a copy is the fallback.
    ec.clear();
  }
  fs::copy_file(local_path, staged, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    const std::string cause = ec.message();
    fs::remove(staged, ec);
    throw Error("cannot stage '" + local_path + "' for upload in '" + path_ + "' (" + cause +
                "); check that the file exists and the staging folder is writable");
  }
  return staged;
}

}  // namespace cairn
