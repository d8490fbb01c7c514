// LibcloudStore: what the libcloud plugin hands out, a provider's store with
// Composer's progress contract on top. Composer's LibcloudObjectStore streams
// a file in chunk_size pieces and calls back once with (0, total), then after
// each chunk with the bytes so far: ceil(total / chunk_size) + 1 calls for a
// non-empty file. Every provider reports here in those steps, whatever its
// transfer unit (a file copy, Azure blocks, S3 parts).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cairn/object_store.h"

namespace libcloud {

// A ProgressFn that passes on, from the cumulative (done, total) updates it
// is given (from one thread at a time), exactly Composer's calls: (0, total)
// first, then one per chunk boundary reached, the last with (total, total).
cairn::ProgressFn chunked_progress(const cairn::ProgressFn& progress, uint64_t chunk_size);

class LibcloudStore : public cairn::ObjectStore {
 public:
  LibcloudStore(std::unique_ptr<cairn::ObjectStore> provider, uint64_t chunk_size);

  std::string get_uri(const std::string& object_name) const override;
  void upload_object(const std::string& object_name, const std::string& filename,
                     const cairn::ProgressFn& progress = {}) override;
  void download_object(const std::string& object_name, const std::string& filename, bool overwrite = false,
                       const cairn::ProgressFn& progress = {}) override;
  uint64_t get_object_size(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  std::vector<std::string> list_objects(const std::string& prefix = "", const cairn::ProgressFn& progress = {}) override;
  void delete_object(const std::string& object_name, const cairn::ProgressFn& progress = {}) override;
  // The provider's stream (Azure blocks, S3 parts, a local staged file), its
  // progress in Composer's chunk steps like an upload's. Without a size hint
  // the total grows with the stream, so the first call is (0, 0).
  std::unique_ptr<cairn::ObjectWriter> open_writer(const std::string& object_name, uint64_t size_hint = 0,
                                                   const cairn::ProgressFn& progress = {}) override;

  cairn::ObjectStore& provider() { return *provider_; }

 private:
  std::unique_ptr<cairn::ObjectStore> provider_;
  uint64_t chunk_size_;
};

}  // namespace libcloud
