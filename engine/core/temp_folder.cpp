#include "core/temp_folder.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "cairn/errors.h"

namespace cairn {
namespace fs = std::filesystem;

std::string make_temp_folder(const std::string& prefix, const std::string& purpose,
                             const std::optional<std::string>& parent) {
  std::error_code ec;
  const fs::path base = parent ? fs::path(*parent) : fs::temp_directory_path(ec);
  std::string reason;
  std::string where;
  if (ec) {
    // temp_directory_path refuses a TMPDIR that is missing or not a folder.
    const char* tmpdir = std::getenv("TMPDIR");
    where = tmpdir != nullptr ? tmpdir : "/tmp";
    reason = ec.message();
  } else {
    std::string pattern = (base / (prefix + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) return pattern;
    where = base.string();
    reason = std::strerror(errno);
  }
  throw Error("cannot create a temporary folder " + purpose + " under '" + where + "' (" + reason + "); " +
              (parent ? "check that the folder exists and is writable" : "set TMPDIR to a writable folder"));
}

}  // namespace cairn
