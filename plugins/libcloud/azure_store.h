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
// temporary file next to the destination, renamed when complete.
#pragma once

#include <string>
#include <vector>

#include "azure_client.h"
#include "cairn/object_store.h"
#include "parallel_parts.h"

namespace libcloud {

// The block size for a file: multipart_chunksize, grown so that no blob
// needs more than 50,000 blocks (Azure's limit).
uint64_t block_size_for(uint64_t file_size, uint64_t chunksize);

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

  const AzureClient& client() const { return client_; }

 private:
  // Get Blob Properties (HEAD): the blob's size; NotFoundError naming `operation`.
  uint64_t size_for(const std::string& operation, const std::string& blob) const;
  void upload_whole(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress);
  void upload_blocks(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress);
  void fetch_into(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress);

  AzureClient client_;
  s3store::PartPool parts_;
};

}  // namespace libcloud
