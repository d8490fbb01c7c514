// read_checkpoint: content sniffing, then caffe2's zip reader record by record
// and Cairn's restricted unpickler (archive_unpickle.h) for every pickle.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "cairn/errors.h"
#include "checkpoint/io/archive_extract.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_reader.h"
#include "checkpoint/io/legacy_checkpoint.h"
#include "checkpoint/io/archive_unpickle.h"
#include "checkpoint/io/read_errors.h"
#include "core/local_path_problem.h"
#include "core/one_line.h"
#include "core/unique_fd.h"

namespace cairn::checkpoint {
namespace {

// The zip reader fetches records through this with pread, on demand, so
// reading never holds more than one record beyond the tensors.
class SpanReadAdapter final : public caffe2::serialize::ReadAdapterInterface {
 public:
  SpanReadAdapter(const FileSpan& zip, std::string path, RecordVerifier* verifier)
      : zip_(zip), path_(std::move(path)), verifier_(verifier) {}
  size_t size() const override { return zip_.size; }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    // A corrupt directory can point anywhere: past the end reads nothing, and
    // the zip reader reports the short read.
    if (pos >= zip_.size) return 0;
    n = std::min<uint64_t>(n, zip_.size - pos);
    // A record that fails its check reads as cut short, so the zip reader stops there.
    if (verifier_) {
      if (const std::optional<size_t> served = verifier_->read_record(pos, buf, n)) return *served;
    }
    size_t done = 0;
    while (done < n) {
      const ssize_t got = zip_.pread(static_cast<char*>(buf) + done, n - done, pos + done);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0)
        throw CheckpointError("cannot read checkpoint '" + path_ + "' (" + std::strerror(errno) +
                              "); check the disk and the file");
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

 private:
  FileSpan zip_;
  std::string path_;
  RecordVerifier* verifier_;
};

enum class Content { kZip, kLegacy, kPacked, kUnknown };

// What the first bytes say. Packed = compressed (any compressor we write) or tar.
Content sniff(const unsigned char* b, size_t n) {
  auto starts = [&](std::initializer_list<unsigned char> magic) {
    return n >= magic.size() && std::equal(magic.begin(), magic.end(), b);
  };
  if (starts({'P', 'K', 0x03, 0x04}) || starts({'P', 'K', 0x05, 0x06})) return Content::kZip;
  if (is_legacy_checkpoint(b, n)) return Content::kLegacy;
  if (starts({0x1f, 0x8b}) || starts({'B', 'Z', 'h'}) || starts({0xfd, '7', 'z', 'X', 'Z', 0x00}) ||
      starts({0x28, 0xb5, 0x2f, 0xfd}) || starts({0x04, 0x22, 0x4d, 0x18}) || starts({0x02, 0x21, 0x4c, 0x18}))
    return Content::kPacked;
  // lzma-alone has no magic: properties byte 0x5d and a power-of-two-ish dictionary size.
  if (starts({0x5d, 0x00, 0x00})) return Content::kPacked;
  if (n >= 262 && std::memcmp(b + 257, "ustar", 5) == 0) return Content::kPacked;
  return Content::kUnknown;
}

std::string describe_start(const unsigned char* b, size_t n) {
  std::string s = "unrecognised content, starting with bytes";
  char hex[8];
  for (size_t i = 0; i < std::min<size_t>(n, 4); ++i) {
    std::snprintf(hex, sizeof hex, " %02x", b[i]);
    s += hex;
  }
  return s;
}

// With `choose`, the tensors' records are read after the pickle, into the
// memory it picks.
c10::IValue read_zip(const FileSpan& zip, const std::string& path, const IntegrityPolicy& policy,
                     const ReadIntoChooser* choose) {
  const auto verifier = std::make_unique<RecordVerifier>(zip, path, policy);
  auto adapter = std::make_shared<SpanReadAdapter>(zip, path, verifier.get());
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(adapter);
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    verifier->throw_if_failed();
    explain_unreadable_zip(zip, path, exception_line(e));
  }
  try {
    const auto read_at = [&](uint64_t pos, void* buf, size_t n) { return adapter->read(pos, buf, n, "a record"); };
    c10::IValue root = choose ? unpickle_archive_into(*reader, zip, path, read_at, *choose)
                              : unpickle_archive(*reader, zip, path);
    verifier->check_rest();
    return root;
  } catch (const CheckpointError&) {
    // A damaged record explains a failure better than the unpickler can.
    verifier->check_rest();
    throw;
  }
}

// The legacy format has no manifest to sign.
c10::IValue read_legacy(int fd, const std::string& path, const IntegrityPolicy& policy) {
  if (policy.trusted_key) {
    throw CheckpointError("checkpoint '" + path + "' is in torch.save's legacy format, which cannot be signed, and " +
                          "a trusted key is configured (" + policy.trusted_key->source + "); load only " +
                          "checkpoints signed with that key, or unset the trusted key");
  }
  return read_legacy_checkpoint(fd, path);
}

}  // namespace

c10::IValue read_checkpoint(const std::string& path, const std::string& name) {
  return read_checkpoint(path, name, IntegrityPolicy::from_environment());
}

c10::IValue read_checkpoint(const std::string& path, const std::string& name, const IntegrityPolicy& policy) {
  return read_checkpoint_into(path, name, policy, nullptr);
}

c10::IValue read_checkpoint_into(const std::string& path, const std::string& name, const IntegrityPolicy& policy,
                                 const ReadIntoChooser* choose) {
  if (const std::optional<std::string> problem = local_file_problem(path)) {
    throw CheckpointError("checkpoint '" + name + "' " + *problem + "; check the path or pick another checkpoint");
  }
  const UniqueFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    throw CheckpointError("cannot open checkpoint '" + name + "' (" + std::strerror(errno) +
                          "); check its permissions");
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw CheckpointError("checkpoint '" + name + "' is not a regular file; pass the checkpoint file itself");
  }
  if (st.st_size == 0) {
    throw CheckpointError("checkpoint '" + name + "' is empty (0 bytes); it was probably cut short while " +
                          "saving; pick another file or re-save it");
  }
  unsigned char head[512];
  const ssize_t n = ::pread(file.fd, head, sizeof head, 0);
  const Content content = sniff(head, n > 0 ? static_cast<size_t>(n) : 0);
  if (content == Content::kZip) return read_zip(FileSpan{file.fd, 0, uint64_t(st.st_size)}, name, policy, choose);
  if (content == Content::kLegacy) return read_legacy(file.fd, name, policy);
  if (content == Content::kUnknown) {
    // PROTO opcode without torch's magic number: pickle.dump.
    if (n >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) {
      throw CheckpointError("'" + name + "' is a bare Python pickle, not a torch.save checkpoint, which Cairn " +
                            "cannot read; save it from Python with torch.save");
    }
    not_a_checkpoint(name, describe_start(head, n > 0 ? static_cast<size_t>(n) : 0));
  }
  const UniqueFd unpacked{extract_checkpoint_member(file.fd, name)};
  const ssize_t m = ::pread(unpacked.fd, head, sizeof head, 0);
  const Content inner = sniff(head, m > 0 ? static_cast<size_t>(m) : 0);
  if (inner == Content::kLegacy) return read_legacy(unpacked.fd, name, policy);
  if (inner != Content::kZip) not_a_checkpoint(name, "its decompressed content is not a PyTorch checkpoint");
  return read_zip(FileSpan::whole_file(unpacked.fd), name, policy, choose);
}

c10::IValue read_checkpoint_span(const FileSpan& zip, const std::string& name, const IntegrityPolicy& policy,
                                 const ReadIntoChooser* choose) {
  unsigned char head[4] = {};
  const ssize_t n = zip.pread(head, sizeof head, 0);
  if (n < 0) {
    throw CheckpointError("cannot read checkpoint '" + name + "' (" + std::strerror(errno) +
                          "); check the disk and the file");
  }
  if (sniff(head, static_cast<size_t>(n)) != Content::kZip) not_a_checkpoint(name, describe_start(head, size_t(n)));
  return read_zip(zip, name, policy, choose);
}

c10::IValue read_checkpoint(const std::string& path) { return read_checkpoint(path, path); }

}  // namespace cairn::checkpoint
