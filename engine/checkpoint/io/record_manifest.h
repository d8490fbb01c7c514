// The manifest of a Cairn checkpoint: the size and SHA-256 of every other
// record, kept as one more record of the zip ("<archive>/cairn/manifest.json")
// that torch.load never asks for. A signature, when the checkpoint is signed,
// covers the manifest's exact bytes and sits in "<archive>/cairn/manifest.sig".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cairn::checkpoint {

// Relative to the archive's folder (the part of the first record's name before '/').
inline constexpr const char* kManifestRecord = "cairn/manifest.json";
inline constexpr const char* kSignatureRecord = "cairn/manifest.sig";

struct ManifestEntry {
  std::string name;  // the full record name, "archive/data/0"
  uint64_t size = 0;
  std::string sha256;  // 64 lower-case hex digits
};

std::string manifest_text(const std::vector<ManifestEntry>& entries);

// Throws CheckpointError naming `path` when `text` is not a manifest.
std::vector<ManifestEntry> parse_manifest(const std::string& text, const std::string& path);

}  // namespace cairn::checkpoint
