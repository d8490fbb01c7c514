// The folder where files wait for their upload.
//
// A file handed over for upload is first copied here under a unique name,
// before the call returns, as Composer's RemoteUploaderDownloader does: the
// caller may then rotate, rewrite or delete its own file while the upload runs.
//
// A caller whose files are only ever replaced whole (renamed over, as every
// checkpoint Cairn writes is) or deleted, never rewritten in place, may ask
// for a hard link instead: it costs no I/O and no space, and the bytes are
// freed when the staged name is removed after the upload. A file rewritten in
// place would change under a hard link, so copying is the default.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace cairn {

class StagingFolder {
 public:
  // `folder` empty: a new folder under the system temp dir, removed at
  // destruction. Otherwise that folder (created if missing) is used and only
  // the files staged in it are removed.
  explicit StagingFolder(const std::string& folder);
  ~StagingFolder();
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;

  enum class Mode { kCopy, kLinkIfPossible };
  // Returns the staged path. Throws cairn::Error naming the file when it
  // cannot be read or the folder cannot be written.
  std::string stage(const std::string& local_path, Mode mode);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace cairn
