// Copying a file so that the destination appears whole or not at all.
//
// The bytes go to a temporary file in the destination's folder, are fsync'ed,
// and the temporary file is renamed over (or, without `replace`, next to) the
// destination; the folder is fsync'ed too so the rename survives a crash. A
// failure removes the temporary file. Errors are std::system_error carrying
// errno and a description of the step ("writing '/x/.y.tmp'").
#pragma once

#include <cstdint>
#include <string>

#include "cairn/object_store.h"

namespace cairn {
namespace atomic_file {

// Copies `source` to `destination`, creating the destination's folders.
// Without `replace`, an existing destination fails with errno EEXIST and is
// left untouched. Returns the number of bytes copied.
uint64_t copy(const std::string& source, const std::string& destination, bool replace, const ProgressFn& progress);

// Suffix of temporary files, so that listings can leave them out.
extern const char* const kTempSuffix;

}  // namespace atomic_file
}  // namespace cairn
