// GcsStore: an ObjectStore on Google Cloud Storage's JSON API.
//
// Object names are keys relative to the store's prefix. Files below
// resumable_threshold are uploaded in one request (uploadType=media); larger
// ones through a resumable upload session in chunks of chunk_size (a
// multiple of 256 KiB), resuming after a failed chunk from what the server
// says it has (resumable_upload.h). Downloads above download_chunk_size are
// concurrent ranged GETs of one generation of the object, into a temporary
// file next to the destination that is renamed when complete; ranges run on
// the store's pool of max_concurrency threads. Sizes come from the object's
// metadata; listings follow nextPageToken. Streams (open_writer) use the same
// resumable session from memory.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cairn/object_store.h"
#include "gcs_client.h"
#include "parallel_parts.h"

namespace gcsstore {

// What the store reads of an object's metadata.
struct ObjectInfo {
  uint64_t size = 0;
  std::string generation;  // "" when the server sends none (an emulator)
};

// The JSON API's answers the store reads, parsed without throwing (fuzzed:
// fuzz/gcs_json.cpp): nullopt when `body` is not the document expected, which
// the caller reports naming the operation and the object.
//   object metadata: a usable "size" (the API sends 64-bit numbers as strings)
std::optional<ObjectInfo> parse_object_metadata(const std::string& body);
//   one page of objects.list: the full names of "items" and "nextPageToken"
struct ListPage {
  std::vector<std::string> names;
  std::string next_token;  // "" on the last page
};
std::optional<ListPage> parse_list_page(const std::string& body);

class GcsStore : public cairn::ObjectStore {
 public:
  GcsStore(GcsSettings settings, std::unique_ptr<TokenSource> tokens);

  std::string get_uri(const std::string& object_name) const override;
  void upload_object(const std::string& object_name, const std::string& filename,
                     const cairn::ProgressFn& progress = {}) override;
  void download_object(const std::string& object_name, const std::string& filename, bool overwrite = false,
                       const cairn::ProgressFn& progress = {}) override;
  uint64_t get_object_size(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // Names relative to the store's prefix, sorted.
  std::vector<std::string> list_objects(const std::string& prefix = "", const cairn::ProgressFn& progress = {}) override;
  void delete_object(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // A resumable upload from memory (gcs_stream.cpp): chunks of chunk_size
  // sent one at a time, in order, as the stream fills them, the size told
  // with the last; one request (uploadType=media) when the stream ends below
  // resumable_threshold. Dropped uncommitted, the session is cancelled.
  std::unique_ptr<cairn::ObjectWriter> open_writer(const std::string& object_name, uint64_t size_hint = 0,
                                                   const cairn::ProgressFn& progress = {}) override;

  const GcsClient& client() const { return client_; }

 private:
  // The object's metadata; NotFoundError (naming `operation`) when absent.
  ObjectInfo metadata(const std::string& operation, const std::string& object_name) const;
  // uploadType=media: a file's bytes, or a short stream's.
  void upload_in_one_request(const std::string& object_name, cairn::http::RequestBody body);
  // Writes the object's bytes into `fd`; `what` names the download in errors.
  void fetch_into(const std::string& object_name, const ObjectInfo& info, int fd, const std::string& what,
                  const cairn::ProgressFn& progress);

  GcsClient client_;
  s3store::PartPool parts_;
};

// The store for a gs:// URI (or, `location` empty, the config's bucket): with
// GCS_KEY and GCS_SECRET the XML API with those HMAC keys (hmac_mode.h),
// otherwise the JSON API with the credentials credentials.h finds.
// ConfigError for a bad config or no credentials.
std::unique_ptr<cairn::ObjectStore> open_store(const cairn::Uri& location, const nlohmann::json& config);

// The size an upload's answer (object metadata) reports; StoreError unless it
// is `expected` (the server holds something else than what was sent).
void check_uploaded_size(const GcsClient& client, const std::string& object_name, const std::string& answer,
                         uint64_t expected);

}  // namespace gcsstore
