// read_checkpoint with an explicit integrity policy (checkpoint_file.h's
// overloads take it from the environment: CAIRN_TRUSTED_KEY).
#pragma once

#include <string>

#include <ATen/core/ivalue.h>

#include "checkpoint/io/record_verifier.h"

namespace cairn::checkpoint {

// Every record's CRC-32 is checked as it is read, and its SHA-256 against the
// manifest when the file has one; with `policy.trusted_key`, a checkpoint not
// signed by that key is refused before anything is unpickled.
c10::IValue read_checkpoint(const std::string& path, const std::string& name, const IntegrityPolicy& policy);

}  // namespace cairn::checkpoint
