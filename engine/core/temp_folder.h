// The one way the engine makes a temporary folder: fresh, private (mode 0700,
// mkdtemp), under $TMPDIR (else /tmp) or a given parent folder, named by a
// prefix that says who made it, so a leftover can be told apart
// ("cairn-save-Ab3xYz").
#pragma once

#include <optional>
#include <string>

namespace cairn {

// Makes "<parent>/<prefix>XXXXXX" and returns its path; the parent is the temp
// dir unless `parent` is given (a folder beside a file that is then renamed
// into place, on the same filesystem). The caller removes it. `purpose`
// completes "cannot create a temporary folder ..." in the one-line
// cairn::Error thrown when it cannot be made ("for the copy"), which also
// names the parent folder, the system's reason and what to do: set TMPDIR to
// a writable folder, or check that the given parent exists and is writable.
std::string make_temp_folder(const std::string& prefix, const std::string& purpose,
                             const std::optional<std::string>& parent = std::nullopt);

}  // namespace cairn
