// Checks every record of a checkpoint's zip: its CRC-32 (caffe2's reader
// skips it), its SHA-256 against the manifest when the file has one, and the
// manifest's signature when a trusted key is configured.
//
// While a checkpoint loads, the read adapter hands each read to read_record,
// so a record is checked as it arrives, before the unpickler sees it, with no
// second read of the file; check_rest then reads whatever the loader skipped.
// `cairn verify` calls check_rest alone. Every failure is a CheckpointError
// naming the file and the record.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkpoint/io/checkpoint_keys.h"
#include "checkpoint/io/record_manifest.h"
#include "checkpoint/io/zip_directory.h"

namespace cairn::checkpoint {

struct IntegrityPolicy {
  // Loads refuse checkpoints not signed by this key.
  std::optional<CheckpointKey> trusted_key;
  // Whether each record's SHA-256 is checked against the zip's manifest (the
  // manifest itself is always read and matched to the records, and every
  // CRC-32 checked). Off only where every byte of the enclosing file has just
  // matched a digest the caller trusts: a sharded checkpoint's data files,
  // checked against the folder's manifest before their items are read.
  bool record_digests = true;

  // The trusted key from CAIRN_TRUSTED_KEY, if set.
  static IntegrityPolicy from_environment();
};

// What was checked, for `cairn verify`.
struct IntegritySummary {
  size_t records = 0;
  uint64_t bytes = 0;
  bool manifest = false;
  bool signature_present = false;
  bool signature_checked = false;
  std::string signer;  // the trusted key's kind and fingerprint, when checked
};

class RecordVerifier {
 public:
  // Reads the zip directory, the manifest and (with a trusted key) checks the
  // signature; throws CheckpointError naming `path` on any problem.
  RecordVerifier(const FileSpan& zip, std::string path, const IntegrityPolicy& policy);
  // The same with the zip directory's records already read from `zip`.
  RecordVerifier(const FileSpan& zip, std::vector<ZipRecord> records, std::string path, const IntegrityPolicy& policy);

  // Serves a read at `pos` when it is exactly one unchecked record's data:
  // reads it into `buf` piece by piece and hashes each piece while it is
  // still in the CPU's cache (hashing a large record after reading it all
  // costs as much again as the read). Threads may call it at once for
  // different records. Returns the bytes delivered, 0 when the record fails
  // its check or cannot be read (then reads should fail;
  // throw_if_failed says why), or nothing when this read is not a whole
  // record, for the caller to read it itself.
  std::optional<size_t> read_record(uint64_t pos, void* buf, size_t size);
  // Throws the mismatch read_record found, if any.
  void throw_if_failed() const;
  // Reads and checks every record read_record has not served.
  void check_rest();

  const IntegritySummary& summary() const { return summary_; }

 private:
  struct Record {
    ZipRecord zip;
    uint64_t data_offset = 0;
    const ManifestEntry* expected = nullptr;
    bool checked = false;
  };
  std::optional<std::string> check(Record& record, uint32_t crc, const std::string* sha256) const;
  // Reads `record`'s data, into `dest` when given, else through a scratch
  // piece, and checks it; the mismatch, if any.
  std::optional<std::string> read_and_check(Record& record, char* dest);
  std::string read_small_record(Record& record);
  [[noreturn]] void damaged(const std::string& what) const;

  FileSpan zip_;
  std::string path_;
  bool record_digests_ = true;
  std::vector<Record> records_;
  std::vector<ManifestEntry> manifest_;
  std::unordered_map<uint64_t, size_t> by_data_offset_;
  // read_record may serve different records on several threads at once: the
  // first failure is kept, and every later read fails at once.
  std::mutex failure_mutex_;
  std::atomic<bool> failed_{false};
  std::optional<std::string> failure_;
  IntegritySummary summary_;
};

}  // namespace cairn::checkpoint
