// Checking a checkpoint file without loading it (`cairn verify`).
#pragma once

#include <string>

#include "checkpoint/io/record_verifier.h"

namespace cairn::checkpoint {

struct VerifyReport {
  std::string container;  // "zip", or "tar/compressed" when it was unwrapped first
  IntegritySummary summary;
};

// Unwraps a tar or compressed checkpoint, then checks every record's CRC-32,
// the manifest and the signature (see RecordVerifier). Nothing is unpickled.
// Throws CheckpointError with one line naming `name` and the record.
VerifyReport verify_checkpoint(const std::string& path, const std::string& name, const IntegrityPolicy& policy);

}  // namespace cairn::checkpoint
