// LocalContainerStore streams: the bytes go straight into the staged file an
// upload of a file would copy into (local_staging.h), renamed into place at
// commit, so libcloud sees the old object, or none, until then. A writer
// dropped uncommitted removes its staged file.
#include <algorithm>
#include <memory>

#include "cairn/errors.h"
#include "local_staging.h"
#include "local_store.h"

namespace libcloud {

namespace {

class LocalWriter final : public cairn::ObjectWriter {
 public:
  LocalWriter(const std::string& container_path, std::string target, std::string what, uint64_t chunk,
              uint64_t size_hint, cairn::ProgressFn progress)
      : staged_(container_path, what),
        target_(std::move(target)),
        what_(std::move(what)),
        chunk_(std::max<uint64_t>(1, chunk)),
        size_hint_(size_hint),
        progress_(std::move(progress)) {
    if (progress_) progress_(0, size_hint_);
  }

  void write(const char* data, size_t size) override {
    check_usable();
    try {
      staged_.write(data, size);
    } catch (...) {
      spent_ = true;
      throw;
    }
    const uint64_t before = written_;
    written_ += size;
    // Reported in the copy's unit, as an upload of a file reports: once per
    // chunk boundary passed.
    if (progress_) {
      for (uint64_t boundary = (before / chunk_ + 1) * chunk_; boundary <= written_; boundary += chunk_) {
        progress_(boundary, std::max(size_hint_, written_));
      }
    }
  }

  void commit() override {
    check_usable();
    spent_ = true;
    staged_.publish(target_);
    if (progress_) progress_(written_, written_);
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  void check_usable() const {
    if (spent_) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                              what_ + " failed: the stream was already committed or failed; start a new one");
    }
  }

  StagedFile staged_;  // removed with the writer unless published
  std::string target_;
  std::string what_;
  uint64_t chunk_;
  uint64_t size_hint_;
  cairn::ProgressFn progress_;
  uint64_t written_ = 0;
  bool spent_ = false;
};

}  // namespace

std::unique_ptr<cairn::ObjectWriter> LocalContainerStore::open_writer(const std::string& object_name, uint64_t size_hint,
                                                                      const cairn::ProgressFn& progress) {
  const std::string target = path_of("upload", object_name);
  return std::make_unique<LocalWriter>(container_path_, target, "upload of '" + get_uri(object_name) + "'",
                                       settings_.chunk_size, size_hint, progress);
}

}  // namespace libcloud
