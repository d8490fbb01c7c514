// Where plugins are looked for, and which files in a folder are candidates.
#pragma once

#include <string>
#include <vector>

namespace cairn {

enum class SearchDirSource { kPluginDirFlag, kEnvironment, kUser, kDefault };

struct SearchDir {
  std::string path;
  SearchDirSource source;
};

// --plugin-dir entries, then CAIRN_PLUGIN_PATH (':'-separated, empty entries
// ignored), then the per-user folder ($HOME/.local/lib/cairn/plugins), then the
// install location next to the running binary. The user's folder comes before
// the installed one so that a plugin a user drops in overrides a bundled one
// of the same name, as a PATH entry would.
std::vector<SearchDir> plugin_search_dirs(const std::vector<std::string>& plugin_dirs);

// Regular files (or links to them) named *.so directly in `dir`, sorted by
// name so that load order, and so which duplicate wins, is the same every run.
std::vector<std::string> plugin_files_in(const std::string& dir);

}  // namespace cairn
