// OciStore: an ObjectStore on OCI Object Storage's native API.
//
// Object names are relative to the store's prefix, everywhere (Composer's
// OCIObjectStore applied its prefix only when listing: fixed here). Uploads
// up to part_size are one PUT; larger files are multipart uploads (create,
// parts in parallel, commit; aborted on failure). Downloads are concurrent
// ranged GETs split as Composer's download_object splits them, into a
// temporary file next to the destination, renamed at the end. Sizes come from
// HEAD; a 404 there is told apart (bucket or object missing) with a HEAD of
// the bucket. Streams (open_writer) are multipart uploads from memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/object_store.h"
#include "oci_client.h"
#include "parallel_parts.h"

namespace ocistore {

// The part size for a file: part_size, grown to whole MiB so that no file
// needs more than 10,000 parts.
uint64_t part_size_for(uint64_t file_size, uint64_t part_size);

// Composer's download split: min(num_parts, max(size / min_part_size, 1))
// ranges, the remainder spread one byte each over the first ranges.
// (first byte, length) pairs; none for an empty object.
std::vector<std::pair<uint64_t, uint64_t>> download_ranges(uint64_t size, uint64_t min_part_size, int num_parts);

// One page of a ListObjects answer, parsed without throwing (fuzzed:
// fuzz/oci_json.cpp): the full names of "objects" and "nextStartWith" ("" on
// the last page); nullopt when `body` is not a ListObjects JSON document.
struct ListPage {
  std::vector<std::string> names;
  std::string next_start;
};
std::optional<ListPage> parse_list_page(const std::string& body);

class OciStore : public cairn::ObjectStore {
 public:
  explicit OciStore(OciSettings settings);

  std::string get_uri(const std::string& object_name) const override;
  void upload_object(const std::string& object_name, const std::string& filename,
                     const cairn::ProgressFn& progress = {}) override;
  void download_object(const std::string& object_name, const std::string& filename, bool overwrite = false,
                       const cairn::ProgressFn& progress = {}) override;
  uint64_t get_object_size(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // Names relative to the store's prefix, sorted.
  std::vector<std::string> list_objects(const std::string& prefix = "", const cairn::ProgressFn& progress = {}) override;
  void delete_object(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // A multipart upload from memory (oci_stream.cpp): parts of part_size (grown
  // past 1,000 parts so 10,000 hold a large stream), parallel_process_count in
  // flight; one PutObject when the stream ends below part_size. Aborted when
  // the writer is destroyed uncommitted.
  std::unique_ptr<cairn::ObjectWriter> open_writer(const std::string& object_name, uint64_t size_hint = 0,
                                                   const cairn::ProgressFn& progress = {}) override;

  const OciClient& client() const { return client_; }

 private:
  uint64_t size_for(const std::string& operation, const std::string& object_name) const;
  void upload_whole(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress);
  void upload_in_parts(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress);
  // The steps of both kinds of upload (oci_upload.cpp).
  void put_object(const std::string& object_name, cairn::http::RequestBody body);
  std::string start_multipart(const std::string& object_name);
  // UploadPart: returns the part's ETag. `of_parts` (" of 12", or "") is for
  // messages. `body` is moved into the request and back, so a stream reuses
  // its buffer.
  std::string upload_part(const std::string& object_name, const std::string& upload_id, uint64_t number,
                          const std::string& of_parts, cairn::http::RequestBody& body);
  void commit_multipart(const std::string& object_name, const std::string& upload_id,
                        const std::vector<std::string>& etags);
  void abort_multipart(const std::string& object_name, const std::string& upload_id) noexcept;
  void fetch_into(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress);

  OciClient client_;
  s3store::PartPool upload_parts_;    // parallel_process_count threads
  s3store::PartPool download_parts_;  // num_parts threads
};

}  // namespace ocistore
