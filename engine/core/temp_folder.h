// The one way the engine makes a temporary folder: fresh, private (mode 0700,
// mkdtemp), under $TMPDIR (else /tmp), named by a prefix that says who made it,
// so a leftover in TMPDIR can be told apart ("cairn-save-Ab3xYz").
#pragma once

#include <string>

namespace cairn {

// Makes "<temp dir>/<prefix>XXXXXX" and returns its path. The caller removes
// it. `purpose` completes "cannot create a temporary folder ..." in the one-line
// cairn::Error thrown when it cannot be made ("for the copy"), which also names
// the temp dir, the system's reason and says to set TMPDIR to a writable folder.
std::string make_temp_folder(const std::string& prefix, const std::string& purpose);

}  // namespace cairn
