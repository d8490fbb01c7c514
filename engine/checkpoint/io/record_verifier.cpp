#include "checkpoint/io/record_verifier.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <set>

#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "checkpoint/io/crc32.h"
#include "checkpoint/io/read_errors.h"
#include "checkpoint/io/record_manifest.h"
#include "core/one_line.h"

namespace cairn::checkpoint {
namespace {

// Small enough that a piece just read is still in cache when it is hashed.
constexpr size_t kPiece = size_t{1} << 20;
// Manifests and signatures are text; anything larger is not one.
constexpr uint64_t kMaxSmallRecord = uint64_t{256} << 20;
constexpr const char* kRecordCutShort = "a record runs past the end of the file";

std::string hex32(uint32_t v) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", v);
  return text;
}

std::vector<ZipRecord> readable_zip_records(const FileSpan& zip, const std::string& path) {
  std::optional<std::vector<ZipRecord>> records = zip_records(zip);
  if (!records) explain_unreadable_zip(zip, path, "the zip directory cannot be read");
  return std::move(*records);
}

}  // namespace

IntegrityPolicy IntegrityPolicy::from_environment() { return IntegrityPolicy{checkpoint::trusted_key(std::nullopt)}; }

RecordVerifier::RecordVerifier(const FileSpan& zip, std::string path, const IntegrityPolicy& policy)
    : RecordVerifier(zip, readable_zip_records(zip, path), path, policy) {}

RecordVerifier::RecordVerifier(const FileSpan& zip, std::vector<ZipRecord> records, std::string path,
                               const IntegrityPolicy& policy)
    : zip_(zip), path_(std::move(path)), record_digests_(policy.record_digests) {
  const std::string folder =
      records.empty() || records.front().name.find('/') == std::string::npos
          ? std::string()
          : records.front().name.substr(0, records.front().name.find('/') + 1);
  const std::string manifest_name = folder + kManifestRecord;
  const std::string signature_name = folder + kSignatureRecord;
  std::set<std::string> seen;
  std::optional<size_t> manifest_at, signature_at;
  for (ZipRecord& z : records) {
    if (!seen.insert(z.name).second) damaged("it holds record '" + z.name + "' twice");
    const std::optional<uint64_t> data = zip_data_offset(zip_, z);
    if (!data) damaged("record '" + z.name + "' has no readable local header or runs past the end of the file");
    // Refused before the zip reader inflates anything: it would allocate the
    // declared size first, which a small file can set to gigabytes.
    if (z.method != 0) {
      damaged("record '" + z.name + "' is compressed (zip method " + std::to_string(z.method) +
              "), which PyTorch never writes and Cairn cannot check");
    }
    if (z.name == manifest_name) manifest_at = records_.size();
    if (z.name == signature_name) signature_at = records_.size();
    summary_.bytes += z.size;
    records_.push_back(Record{std::move(z), *data});
  }
  summary_.records = records_.size();
  for (size_t i = 0; i < records_.size(); ++i) {
    if (records_[i].zip.size > 0) by_data_offset_[records_[i].data_offset] = i;
  }

  std::string manifest_bytes;
  if (manifest_at) {
    manifest_bytes = read_small_record(records_[*manifest_at]);
    manifest_ = parse_manifest(manifest_bytes, path_);
    summary_.manifest = true;
  }
  std::optional<std::string> signature;
  if (signature_at) {
    signature = read_small_record(records_[*signature_at]);
    summary_.signature_present = true;
  }
  if (policy.trusted_key) {
    if (!manifest_at) {
      throw CheckpointError("checkpoint '" + path_ + "' is not signed (it has no manifest), and a trusted key is " +
                            "configured (" + policy.trusted_key->source + "); load only checkpoints signed " +
                            "with that key, or unset the trusted key");
    }
    check_signature(signature, manifest_bytes, *policy.trusted_key, path_);
    summary_.signature_checked = true;
    summary_.signer = policy.trusted_key->kind + " key sha256:" + policy.trusted_key->fingerprint.substr(0, 16) +
                      " (" + policy.trusted_key->source + ")";
  }
  if (!manifest_at) return;

  // The manifest covers every record but itself and the signature, exactly.
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < records_.size(); ++i) index[records_[i].zip.name] = i;
  std::set<std::string> listed;
  for (const ManifestEntry& e : manifest_) {
    if (!listed.insert(e.name).second) damaged("its manifest lists record '" + e.name + "' twice");
    const auto found = index.find(e.name);
    if (found == index.end()) damaged("its manifest lists record '" + e.name + "', which the file lacks");
    Record& r = records_[found->second];
    if (r.zip.size != e.size) {
      damaged("record '" + e.name + "' has " + std::to_string(r.zip.size) + " bytes but the manifest says " +
              std::to_string(e.size));
    }
    r.expected = &e;
  }
  for (const Record& r : records_) {
    if (!r.expected && r.zip.name != manifest_name && r.zip.name != signature_name) {
      damaged("record '" + r.zip.name + "' is not in its manifest (it was added after saving)");
    }
  }
}

void RecordVerifier::damaged(const std::string& what) const {
  // `what` may quote a record name, which is the file's own text.
  throw CheckpointError("checkpoint '" + path_ + "' is damaged: " + one_line(what) +
                        "; the file was corrupted or altered, pick another copy");
}

std::optional<std::string> RecordVerifier::check(Record& r, uint32_t crc, const std::string* sha256) const {
  r.checked = true;
  if (crc != r.zip.crc32) {
    return "checkpoint '" + path_ + "' is damaged: record '" + r.zip.name + "' fails its CRC-32 check (the zip " +
           "directory says " + hex32(r.zip.crc32) + ", its bytes give " + hex32(crc) +
           "); the file was corrupted on disk or in transfer, pick another copy";
  }
  if (r.expected && sha256 && *sha256 != r.expected->sha256) {
    return "checkpoint '" + path_ + "' is damaged: record '" + r.zip.name + "' does not match its SHA-256 in " +
           "the manifest; the file was altered after saving, pick another copy";
  }
  return std::nullopt;
}

std::optional<size_t> RecordVerifier::read_record(uint64_t pos, void* buf, size_t size) {
  if (failed_.load()) return 0;
  const auto found = by_data_offset_.find(pos);
  if (found == by_data_offset_.end()) return std::nullopt;
  Record& r = records_[found->second];
  if (r.checked || r.zip.size != size) return std::nullopt;
  // No exception may leave: this runs inside the zip reader's C callbacks.
  std::optional<std::string> failure;
  try {
    failure = read_and_check(r, static_cast<char*>(buf));
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure) return size;
  const std::lock_guard<std::mutex> lock(failure_mutex_);
  if (!failure_) failure_ = std::move(failure);
  failed_ = true;
  return 0;
}

void RecordVerifier::throw_if_failed() const {
  if (failure_) throw CheckpointError(one_line(*failure_));
}

void RecordVerifier::check_rest() {
  throw_if_failed();
  for (Record& r : records_) {
    if (r.checked) continue;
    failure_ = read_and_check(r, nullptr);
    throw_if_failed();
  }
}

std::optional<std::string> RecordVerifier::read_and_check(Record& r, char* dest) {
  std::vector<char> scratch;
  if (!dest) scratch.resize(static_cast<size_t>(std::min<uint64_t>(kPiece, r.zip.size)));
  uint32_t crc = 0;
  const bool hashed = r.expected && record_digests_;
  http::Sha256 sha;
  for (uint64_t done = 0; done < r.zip.size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, r.zip.size - done));
    char* piece = dest ? dest + done : scratch.data();
    read_fully(zip_, r.data_offset + done, piece, n, path_, kRecordCutShort);
    crc = crc32_update(crc, piece, n);
    if (hashed) sha.update(piece, n);
    done += n;
  }
  const std::string digest = hashed ? sha.finish_hex() : std::string();
  return check(r, crc, hashed ? &digest : nullptr);
}

std::string RecordVerifier::read_small_record(Record& r) {
  if (r.zip.size > kMaxSmallRecord) damaged("record '" + r.zip.name + "' is not a manifest");
  std::string bytes(r.zip.size, '\0');
  read_fully(zip_, r.data_offset, bytes.data(), bytes.size(), path_, kRecordCutShort);
  failure_ = check(r, crc32_of(bytes.data(), bytes.size()), nullptr);
  throw_if_failed();
  return bytes;
}

}  // namespace cairn::checkpoint
