// Refusing to start a run whose future checkpoints would overwrite files
// already in its save folder (Composer's ensure_folder_has_no_conflicting_files).
#pragma once

#include <string>

#include "cairn/dist.h"
#include "cairn/time.h"

namespace cairn {

// Matches every file in `folder` (files in sub-folders too when the template
// has a '/') against `filename_template`, whose literal parts are taken
// literally, whose {run_name} and set dist fields are filled in, whose time
// counters ({epoch}, {batch}, {batch_in_epoch}, {sample}, {sample_in_epoch},
// {token}, {token_in_epoch}) are read back as numbers, and whose other
// placeholders match anything. A matching file with a counter above `now` is a
// conflict; *_in_epoch counters only count within the same epoch. Files at or
// before `now`, and names the template cannot produce, are fine.
// A missing folder is fine. Throws ConfigError on a conflict, and for a
// template that uses a *_in_epoch counter without {epoch} (names would repeat
// every epoch).
void ensure_folder_has_no_conflicting_files(const std::string& folder, const std::string& filename_template,
                                            const std::string& run_name, const DistInfo& dist, const Timestamp& now);

// Whether `name` (relative to the folder; a leading '/' is ignored) is a name
// that `filename_template` can produce for this run at some time, read as the
// check above reads files. The latest pointer must never be one.
bool could_be_checkpoint_name(const std::string& name, const std::string& filename_template,
                              const std::string& run_name, const DistInfo& dist);

}  // namespace cairn
