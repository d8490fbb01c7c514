#include "plugin_host/search_path.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>

#include "plugin_host/plugin_host.h"

#ifndef CAIRN_PLUGIN_SUBDIR
#define CAIRN_PLUGIN_SUBDIR "lib/cairn/plugins"
#endif

namespace cairn {

namespace fs = std::filesystem;

namespace {

// <dir of the running binary>/../<plugin subdir>. The build tree always uses
// lib/cairn/plugins; an install uses CMAKE_INSTALL_LIBDIR, which may be a
// multiarch folder (lib/x86_64-linux-gnu), so both are tried.
std::vector<std::string> default_dirs() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) return {};
  const fs::path prefix = exe.parent_path().parent_path();
  std::vector<std::string> dirs = {(prefix / CAIRN_PLUGIN_SUBDIR).lexically_normal().string()};
  const std::string build_layout = (prefix / "lib/cairn/plugins").lexically_normal().string();
  if (build_layout != dirs.front()) dirs.push_back(build_layout);
  return dirs;
}

// Composer-style per-user location, beside pip's ~/.local: where `cairn`
// finds plugins a user installed without root.
std::optional<std::string> user_dir() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return std::nullopt;
  return (fs::path(home) / ".local/lib/cairn/plugins").lexically_normal().string();
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<SearchDir> plugin_search_dirs(const std::vector<std::string>& plugin_dirs) {
  std::vector<SearchDir> dirs;
  for (const auto& dir : plugin_dirs) dirs.push_back({dir, SearchDirSource::kPluginDirFlag});
  if (const char* env = std::getenv("CAIRN_PLUGIN_PATH")) {
    std::stringstream entries(env);
    std::string entry;
    while (std::getline(entries, entry, ':')) {
      if (!entry.empty()) dirs.push_back({entry, SearchDirSource::kEnvironment});
    }
  }
  if (const auto dir = user_dir()) dirs.push_back({*dir, SearchDirSource::kUser});
  for (const auto& dir : default_dirs()) dirs.push_back({dir, SearchDirSource::kDefault});
  return dirs;
}

std::vector<std::string> plugin_files_in(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && ends_with(it->path().filename().string(), ".so")) {
      files.push_back(fs::absolute(it->path()).lexically_normal().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> PluginHost::search_path(const std::vector<std::string>& plugin_dirs) {
  std::vector<std::string> paths;
  for (const auto& dir : plugin_search_dirs(plugin_dirs)) paths.push_back(dir.path);
  return paths;
}

}  // namespace cairn
