#include "checkpoint/io/archive_extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_format.h"
#include "checkpoint/io/read_errors.h"

namespace cairn::checkpoint {

const char* const kMaxDecompressedBytesVariable = "CAIRN_MAX_DECOMPRESSED_BYTES";

namespace {

constexpr size_t kReadBlock = size_t{1} << 20;

std::string archive_cause(struct archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? s : "libarchive gave no details";
}

// An unlinked temporary file: nothing is left behind whatever happens next.
class AnonymousTempFile {
 public:
  explicit AnonymousTempFile(const std::string& for_path) {
    std::string pattern = (std::filesystem::temp_directory_path() / "cairn-checkpoint-XXXXXX").string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0)
      throw CheckpointError("cannot read checkpoint '" + for_path + "': no temporary file for decompressing it in '" +
                            pattern + "' (" + std::strerror(errno) + "); set TMPDIR to a writable folder");
    ::unlink(name.data());
  }
  ~AnonymousTempFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write_all(const char* data, size_t size, off_t offset, const std::string& for_path) {
    while (size > 0) {
      ssize_t n = ::pwrite(fd_, data, size, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        throw CheckpointError("cannot read checkpoint '" + for_path + "': writing its decompressed copy to the temp " +
                              "folder failed (" + std::strerror(n < 0 ? errno : ENOSPC) +
                              "); free space there or set TMPDIR");
      data += n;
      size -= static_cast<size_t>(n);
      offset += n;
    }
  }
  void extend_to(off_t size) {
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && st.st_size < size) (void)::ftruncate(fd_, size);
  }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

constexpr uint64_t kMinDefaultLimit = uint64_t{1} << 30;
// Checkpoints are mostly random-looking floats; even zero-heavy ones seldom
// shrink 64-fold, while a decompression bomb shrinks a thousand-fold.
constexpr uint64_t kDefaultRatio = 64;

// The most bytes a checkpoint of `compressed_size` bytes may expand to: the
// user's CAIRN_MAX_DECOMPRESSED_BYTES, else max(1 GiB, 64 x compressed).
uint64_t decompression_limit(uint64_t compressed_size) {
  if (const char* text = std::getenv(kMaxDecompressedBytesVariable); text != nullptr && *text != '\0') {
    const std::string value = text;
    uint64_t limit = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
    if (ec != std::errc() || end != value.data() + value.size() || limit == 0) {
      throw ConfigError(std::string("the environment variable ") + kMaxDecompressedBytesVariable + "='" + value +
                        "' is not a positive number of bytes; give one like 21474836480 (20 GiB) or unset it");
    }
    return limit;
  }
  return std::max(kMinDefaultLimit, compressed_size > UINT64_MAX / kDefaultRatio ? UINT64_MAX
                                                                                 : compressed_size * kDefaultRatio);
}

[[noreturn]] void too_large(const std::string& path, const std::string& what, uint64_t limit) {
  throw CheckpointError("checkpoint '" + path + "' " + what + " the limit of " + std::to_string(limit) +
                        " bytes for decompressing (it may be a decompression bomb); if it really is that large, set " +
                        kMaxDecompressedBytesVariable + " to a larger number of bytes");
}

std::string base_name(const char* pathname) {
  std::string s = pathname != nullptr ? pathname : "";
  auto slash = s.find_last_of('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

}  // namespace

int extract_checkpoint_member(int fd, const std::string& path) {
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_raw(a.get());  // bids only when no real format does
  if (::lseek(fd, 0, SEEK_SET) != 0 || archive_read_open_fd(a.get(), fd, kReadBlock) != ARCHIVE_OK)
    not_a_checkpoint(path, archive_cause(a.get()));

  struct archive_entry* entry = nullptr;
  std::string first_member;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) {
      not_a_checkpoint(path, first_member.empty()
                                 ? "the archive is empty"
                                 : std::string("the tar archive has no member '") + kTarMemberName +
                                       "'; its first member is '" + first_member + "'");
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) not_a_checkpoint(path, archive_cause(a.get()));
    if (archive_format(a.get()) == ARCHIVE_FORMAT_RAW) break;  // a compressed zip, no tar
    const std::string name = base_name(archive_entry_pathname(entry));
    if (archive_entry_filetype(entry) == AE_IFREG && name == kTarMemberName) break;
    if (first_member.empty() && archive_entry_pathname(entry) != nullptr) first_member = archive_entry_pathname(entry);
  }

  struct stat compressed {};
  const uint64_t limit = decompression_limit(::fstat(fd, &compressed) == 0 ? uint64_t(compressed.st_size) : 0);
  // A tar declares its member's size: refused before a byte is written, and
  // libarchive never delivers more than it declared.
  if (archive_format(a.get()) != ARCHIVE_FORMAT_RAW && archive_entry_size_is_set(entry) &&
      uint64_t(archive_entry_size(entry)) > limit) {
    too_large(path, "declares a member of " + std::to_string(archive_entry_size(entry)) + " bytes, over", limit);
  }

  AnonymousTempFile out(path);
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    const int rc = archive_read_data_block(a.get(), &block, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) not_a_checkpoint(path, archive_cause(a.get()));
    if (offset < 0 || uint64_t(offset) + size > limit) too_large(path, "expands beyond", limit);
    // Tar members may be sparse: each block goes at its own offset.
    out.write_all(static_cast<const char*>(block), size, static_cast<off_t>(offset), path);
  }
  // A sparse member may end in a hole that no block covered.
  if (archive_format(a.get()) != ARCHIVE_FORMAT_RAW && archive_entry_size_is_set(entry))
    out.extend_to(static_cast<off_t>(archive_entry_size(entry)));
  return out.release();
}

}  // namespace cairn::checkpoint
