// read_checkpoint with an explicit integrity policy (checkpoint_file.h's
// overloads take it from the environment: CAIRN_TRUSTED_KEY).
#pragma once

#include <string>

#include <ATen/core/ivalue.h>

#include "checkpoint/io/file_span.h"
#include "checkpoint/io/read_into.h"
#include "checkpoint/io/record_verifier.h"

namespace cairn::checkpoint {

// Every record's CRC-32 is checked as it is read, and its SHA-256 against the
// manifest when the file has one; with `policy.trusted_key`, a checkpoint not
// signed by that key is refused before anything is unpickled.
c10::IValue read_checkpoint(const std::string& path, const std::string& name, const IntegrityPolicy& policy);

// The same, reading tensors into the memory `choose` picks where it picks
// any (read_into.h: a record that fails its check leaves its target partly
// overwritten). Null: as read_checkpoint. torch.save's legacy format is read
// into fresh memory.
c10::IValue read_checkpoint_into(const std::string& path, const std::string& name, const IntegrityPolicy& policy,
                                 const ReadIntoChooser* choose);

// read_checkpoint_into for a zip checkpoint stored in a stretch of a larger
// file (a sharded checkpoint's item, where its data file holds it), read
// where it lies. `name` stands for it in errors.
c10::IValue read_checkpoint_span(const FileSpan& zip, const std::string& name, const IntegrityPolicy& policy,
                                 const ReadIntoChooser* choose);

}  // namespace cairn::checkpoint
