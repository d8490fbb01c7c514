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

// Whether a generic copy should verify `path` as a checkpoint: a zip archive
// with a <folder>/data.pkl record (what Cairn and torch.save write), or a zip
// whose directory is damaged, which verify_checkpoint then refuses.
bool should_verify_as_checkpoint(const std::string& path);

}  // namespace cairn::checkpoint
