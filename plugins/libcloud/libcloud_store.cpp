#include "libcloud_store.h"

#include <algorithm>
#include <memory>

namespace libcloud {

cairn::ProgressFn chunked_progress(const cairn::ProgressFn& progress, uint64_t chunk_size) {
  if (!progress) return {};
  struct Reported {
    bool started = false;
    uint64_t chunks = 0;  // chunk boundaries passed on so far
  };
  auto reported = std::make_shared<Reported>();
  const uint64_t chunk = std::max<uint64_t>(1, chunk_size);
  return [progress, reported, chunk](uint64_t done, uint64_t total) {
    if (!reported->started) {
      reported->started = true;
      progress(0, total);
    }
    const uint64_t chunks_total = (total + chunk - 1) / chunk;
    const uint64_t reached = done >= total ? chunks_total : std::min(done / chunk, chunks_total);
    while (reported->chunks < reached) {
      ++reported->chunks;
      progress(std::min(reported->chunks * chunk, total), total);
    }
  };
}

LibcloudStore::LibcloudStore(std::unique_ptr<cairn::ObjectStore> provider, uint64_t chunk_size)
    : provider_(std::move(provider)), chunk_size_(chunk_size) {}

std::string LibcloudStore::get_uri(const std::string& object_name) const { return provider_->get_uri(object_name); }

void LibcloudStore::upload_object(const std::string& object_name, const std::string& filename,
                                  const cairn::ProgressFn& progress) {
  provider_->upload_object(object_name, filename, chunked_progress(progress, chunk_size_));
}

void LibcloudStore::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                                    const cairn::ProgressFn& progress) {
  provider_->download_object(object_name, filename, overwrite, chunked_progress(progress, chunk_size_));
}

uint64_t LibcloudStore::get_object_size(const std::string& object_name, const cairn::ProgressFn& progress) {
  return provider_->get_object_size(object_name, progress);
}

std::vector<std::string> LibcloudStore::list_objects(const std::string& prefix, const cairn::ProgressFn& progress) {
  return provider_->list_objects(prefix, progress);
}

void LibcloudStore::delete_object(const std::string& object_name, const cairn::ProgressFn& progress) {
  provider_->delete_object(object_name, progress);
}

std::unique_ptr<cairn::ObjectWriter> LibcloudStore::open_writer(const std::string& object_name, uint64_t size_hint,
                                                                const cairn::ProgressFn& progress) {
  return provider_->open_writer(object_name, size_hint, chunked_progress(progress, chunk_size_));
}

}  // namespace libcloud
