// S3Store: an ObjectStore on the S3 API, for AWS and every S3-compatible
// endpoint (MinIO, CoreWeave, Cloudflare R2, GCS's XML API with HMAC keys).
//
// Object names are keys relative to the store's prefix. Uploads below
// multipart_threshold are one PUT; larger files are multipart uploads with
// equal-sized parts sent concurrently. Large downloads are concurrent ranged
// GETs into a temporary file next to the destination, renamed at the end.
// Parts run on the store's own pool of max_concurrency threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cairn/object_store.h"
#include "parallel_parts.h"
#include "part_stream.h"  // stream_part_size
#include "s3_client.h"

namespace s3store {

// The part size for a file: multipart_chunksize, grown so that no file needs
// more than 10,000 parts (S3's limit), and never below S3's 5 MiB minimum.
uint64_t part_size_for(uint64_t file_size, uint64_t chunksize);

class S3Store : public cairn::ObjectStore {
 public:
  explicit S3Store(S3Settings settings);

  std::string get_uri(const std::string& object_name) const override;
  void upload_object(const std::string& object_name, const std::string& filename,
                     const cairn::ProgressFn& progress = {}) override;
  void download_object(const std::string& object_name, const std::string& filename, bool overwrite = false,
                       const cairn::ProgressFn& progress = {}) override;
  uint64_t get_object_size(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // Names relative to the store's prefix, sorted.
  std::vector<std::string> list_objects(const std::string& prefix = "", const cairn::ProgressFn& progress = {}) override;
  // NotFoundError when absent (checked with HEAD: S3's DELETE succeeds either way).
  void delete_object(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // A multipart upload from memory, at most max_concurrency parts in flight
  // (stream_upload.cpp); one PUT when the stream ends below multipart_threshold.
  std::unique_ptr<cairn::ObjectWriter> open_writer(const std::string& object_name, uint64_t size_hint = 0,
                                                   const cairn::ProgressFn& progress = {}) override;

  const S3Client& client() const { return client_; }

 private:
  // HEAD: the object's size; NotFoundError (naming `operation`) when absent.
  uint64_t size_for(const std::string& operation, const std::string& object_name) const;
  void upload_whole(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress);
  void upload_in_parts(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress);
  std::string start_multipart(const std::string& object_name);
  // Returns the part's ETag. `body` is given back (a stream reuses its buffer).
  std::string send_part(const std::string& object_name, const std::string& upload_id, uint64_t number,
                        const std::string& label, cairn::http::RequestBody& body, std::string payload_hash);
  void complete_multipart(const std::string& object_name, const std::string& upload_id,
                          const std::vector<std::string>& etags);
  void abort_multipart(const std::string& object_name, const std::string& upload_id) noexcept;
  void fetch_into(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress);
  cairn::http::Headers upload_headers() const;

  S3Client client_;
  PartPool parts_;
};

}  // namespace s3store
