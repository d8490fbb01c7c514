// AzureBlobStore: an ObjectStore on one container of an Azure Blob storage
// account (libcloud's azure_blobs provider, and azure:// URIs), signed with
// Shared Key. Azurite, the Azure emulator, is the same API at a path-style
// endpoint.
//
// Uploads below multipart_threshold are one Put Blob; larger files are block
// blobs: Put Block for each block, max_concurrency at a time, then Put Block
// List, which makes the blob appear whole at once. Blocks of a failed upload
// are never committed; Azure discards uncommitted blocks after 7 days.
// Downloads are one GET, or concurrent ranged GETs for large blobs, into a
// temporary file next to the destination, renamed when complete. Streams
// (open_writer) are block blobs sent from memory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "azure_client.h"
#include "cairn/object_store.h"
#include "parallel_parts.h"

namespace libcloud {

// Azure's block blob limits: 50,000 blocks of at most 4000 MiB (API
// 2019-12-12 and later).
constexpr uint64_t kMaxBlocks = 50'000;
constexpr uint64_t kMaxBlockSize = 4000ull << 20;

// The block size for a file: multipart_chunksize, grown so that no blob
// needs more than 50,000 blocks (Azure's limit).
uint64_t block_size_for(uint64_t file_size, uint64_t chunksize);

// Block ids of one upload: base64 of "cairn-<token>-<index>". The token, new
// for each upload, keeps blocks another writer left uncommitted under the
// same blob name from being taken for ours; the index is zero-padded, as
// every id of a blob must have the same length.
std::string new_upload_token();
std::string block_id(const std::string& token, uint64_t index);

class AzureBlobStore : public cairn::ObjectStore {
 public:
  explicit AzureBlobStore(AzureSettings settings);

  std::string get_uri(const std::string& object_name) const override;
  void upload_object(const std::string& object_name, const std::string& filename,
                     const cairn::ProgressFn& progress = {}) override;
  void download_object(const std::string& object_name, const std::string& filename, bool overwrite = false,
                       const cairn::ProgressFn& progress = {}) override;
  uint64_t get_object_size(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // Blob names in the container that start with `prefix`, sorted.
  std::vector<std::string> list_objects(const std::string& prefix = "", const cairn::ProgressFn& progress = {}) override;
  void delete_object(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // A block blob from memory (azure_stream.cpp): Put Block for each block,
  // max_concurrency in flight, then Put Block List; one Put Blob when the
  // stream ends below multipart_threshold.
  std::unique_ptr<cairn::ObjectWriter> open_writer(const std::string& object_name, uint64_t size_hint = 0,
                                                   const cairn::ProgressFn& progress = {}) override;

  const AzureClient& client() const { return client_; }

 private:
  // Get Blob Properties (HEAD): the blob's size; NotFoundError naming `operation`.
  uint64_t size_for(const std::string& operation, const std::string& blob) const;
  void upload_whole(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress);
  void upload_blocks(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress);
  // The steps of both kinds of upload (azure_transfers.cpp). `body` of a
  // block is moved into the request and back, so a stream reuses its buffer.
  void put_blob(const std::string& blob, cairn::http::RequestBody body);
  void put_block(const std::string& blob, const std::string& id, const std::string& label,
                 cairn::http::RequestBody& body);
  void put_block_list(const std::string& blob, const std::vector<std::string>& ids);
  void fetch_into(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress);

  AzureClient client_;
  s3store::PartPool parts_;
};

}  // namespace libcloud
