#include "checkpoint/io/checkpoint_verify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "cairn/errors.h"
#include "checkpoint/io/archive_extract.h"
#include "checkpoint/io/legacy_checkpoint.h"
#include "checkpoint/io/read_errors.h"
#include "checkpoint/io/zip_directory.h"
#include "core/local_path_problem.h"
#include "core/unique_fd.h"

namespace cairn::checkpoint {
namespace {

bool starts_like_zip(int fd) {
  unsigned char head[4];
  return ::pread(fd, head, sizeof head, 0) == 4 && head[0] == 'P' && head[1] == 'K' &&
         ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
}

// The legacy format has no records, checksums or manifest: nothing to verify.
void refuse_if_legacy(int fd, const std::string& name) {
  unsigned char head[64];
  const ssize_t n = ::pread(fd, head, sizeof head, 0);
  if (!is_legacy_checkpoint(head, n > 0 ? static_cast<size_t>(n) : 0)) return;
  throw CheckpointError("checkpoint '" + name + "' is in torch.save's legacy format, which holds no checksums " +
                        "to verify; `cairn inspect` reads it, and re-saving it in the zip format makes it checkable");
}

}  // namespace

VerifyReport verify_checkpoint(const std::string& path, const std::string& name, const IntegrityPolicy& policy) {
  if (const std::optional<std::string> problem = local_file_problem(path)) {
    throw CheckpointError("checkpoint '" + name + "' " + *problem + "; check the path");
  }
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    throw CheckpointError("cannot open checkpoint '" + name + "' (" + std::strerror(errno) + "); check its permissions");
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
    throw CheckpointError("checkpoint '" + name + "' is empty or not a regular file; pass the checkpoint file itself");
  }
  VerifyReport report;
  report.container = "zip";
  UniqueFd unpacked{-1};
  int zip = file.fd;
  refuse_if_legacy(file.fd, name);
  if (!starts_like_zip(file.fd)) {
    unpacked.fd = extract_checkpoint_member(file.fd, name);
    zip = unpacked.fd;
    report.container = "tar/compressed, unwrapped to a zip";
    refuse_if_legacy(zip, name);
    if (!starts_like_zip(zip)) not_a_checkpoint(name, "its decompressed content is not a PyTorch zip archive");
  }
  RecordVerifier verifier(FileSpan::whole_file(zip), name, policy);
  verifier.check_rest();
  report.summary = verifier.summary();
  return report;
}

std::optional<VerifyReport> verify_if_checkpoint(const std::string& path, const std::string& name,
                                                 const IntegrityPolicy& policy) {
  UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0 || !starts_like_zip(file.fd)) return std::nullopt;
  const FileSpan zip = FileSpan::whole_file(file.fd);
  std::optional<std::vector<ZipRecord>> records = zip_records(zip);
  if (!records) explain_unreadable_zip(zip, name, "the zip directory cannot be read");
  const bool pytorch_zip = std::any_of(records->begin(), records->end(), [](const ZipRecord& record) {
    const size_t slash = record.name.find('/');
    return slash != std::string::npos && record.name.compare(slash, std::string::npos, "/data.pkl") == 0;
  });
  if (!pytorch_zip) return std::nullopt;
  RecordVerifier verifier(zip, std::move(*records), name, policy);
  verifier.check_rest();
  return VerifyReport{"zip", verifier.summary()};
}

}  // namespace cairn::checkpoint
