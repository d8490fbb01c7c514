// The entry names of a zip archive, read from its central directory.
//
// For telling users what a zip that fails to load as a checkpoint actually is
// (a torch.save file, a zip of something else, a cut-short file) without
// relying on the wording of the zip reader's own errors.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cairn::checkpoint {

// The names in central-directory order, or nothing when the directory cannot
// be found or is cut short (a truncated or damaged file). Handles zip64.
std::optional<std::vector<std::string>> zip_entry_names(int fd);

}  // namespace cairn::checkpoint
