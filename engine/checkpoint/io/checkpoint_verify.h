// Checking a checkpoint file without loading it (`cairn verify`).
#pragma once

#include <optional>
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

// For a generic copy (`cairn cp`): verifies `path` as above when it is a
// PyTorch zip, that is a zip archive with a <folder>/data.pkl record (what
// Cairn and torch.save write), and refuses a zip whose directory is damaged.
// Returns nothing for any other file (not a zip, or a zip of something else),
// which is copied unverified. A tar or compressed file is not unwrapped. The
// zip directory is read once.
std::optional<VerifyReport> verify_if_checkpoint(const std::string& path, const std::string& name,
                                                 const IntegrityPolicy& policy);

}  // namespace cairn::checkpoint
