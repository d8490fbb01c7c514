#include "checkpoint/io/record_manifest.h"

#include <nlohmann/json.hpp>

#include "cairn/errors.h"

namespace cairn::checkpoint {
namespace {

const char kFormat[] = "cairn-manifest-1";

}  // namespace

std::string manifest_text(const std::vector<ManifestEntry>& entries) {
  // One record per line: readable with `unzip -p`, and diffable.
  std::string text = "{\"format\": \"" + std::string(kFormat) + "\", \"records\": [\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    const ManifestEntry& e = entries[i];
    text += "  " + nlohmann::ordered_json{{"name", e.name}, {"size", e.size}, {"sha256", e.sha256}}.dump() +
            (i + 1 < entries.size() ? ",\n" : "\n");
  }
  return text + "]}\n";
}

std::vector<ManifestEntry> parse_manifest(const std::string& text, const std::string& path) {
  std::vector<ManifestEntry> entries;
  try {
    const nlohmann::json manifest = nlohmann::json::parse(text);
    if (manifest.at("format").get<std::string>() != kFormat) throw std::runtime_error("format");
    for (const auto& r : manifest.at("records")) {
      ManifestEntry e{r.at("name").get<std::string>(), r.at("size").get<uint64_t>(), r.at("sha256").get<std::string>()};
      if (e.sha256.size() != 64) throw std::runtime_error("sha256");
      entries.push_back(std::move(e));
    }
  } catch (const std::exception&) {
    throw CheckpointError("checkpoint '" + path + "' has a manifest (" + kManifestRecord +
                          ") that Cairn cannot read; the file was altered or written by a newer Cairn");
  }
  return entries;
}

}  // namespace cairn::checkpoint
