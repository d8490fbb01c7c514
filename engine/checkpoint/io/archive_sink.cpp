#include "checkpoint/io/archive_sink.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <ctime>
#include <memory>

#include "cairn/errors.h"

namespace cairn::checkpoint {
namespace {

int add_filter(struct archive* a, Compression compression) {
  switch (compression) {
    case Compression::kNone: return ARCHIVE_OK;
    case Compression::kGzip: return archive_write_add_filter_gzip(a);
    case Compression::kBzip2: return archive_write_add_filter_bzip2(a);
    case Compression::kXz: return archive_write_add_filter_xz(a);
    case Compression::kLzmaAlone: return archive_write_add_filter_lzma(a);
    case Compression::kZstd: return archive_write_add_filter_zstd(a);
    case Compression::kLz4: return archive_write_add_filter_lz4(a);
  }
  return ARCHIVE_FATAL;
}

// libarchive's writers take at most this much per call to archive_write_data.
constexpr size_t kMaxDataCall = size_t{64} << 20;

}  // namespace

ssize_t ArchiveSink::forward(struct archive* a, void* opaque, const void* data, size_t size) {
  auto* self = static_cast<ArchiveSink*>(opaque);
  try {
    self->out_.write(static_cast<const char*>(data), size);
    return static_cast<ssize_t>(size);
  } catch (...) {
    if (!self->out_error_) self->out_error_ = std::current_exception();
    archive_set_error(a, EIO, "the output refused the data");
    return -1;
  }
}

ArchiveSink::ArchiveSink(ByteSink& out, const CheckpointFormat& format, uint64_t member_size, std::string path)
    : out_(out), path_(std::move(path)), member_size_(member_size) {
  archive_ = archive_write_new();
  if (archive_ == nullptr) fail("libarchive could not start a writer");
  check(format.container == Container::kTar
            ? archive_write_set_format_pax_restricted(archive_)  // plain ustar unless past 8 GiB
            : archive_write_set_format_raw(archive_),
        "choosing the container");
  check(add_filter(archive_, format.compression), std::string("setting up ") + to_string(format.compression));
  // No 10 KiB blocking: libarchive hands our (large) writes straight on to the
  // file instead of copying them through its block buffer, and a compressed
  // stream ends where the compressor ends, with no zero padding after it.
  check(archive_write_set_bytes_per_block(archive_, 0), "setting the block size");
  check(archive_write_open2(archive_, this, nullptr, &ArchiveSink::forward, nullptr, nullptr), "opening the output");

  std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> entry(archive_entry_new(),
                                                                                archive_entry_free);
  archive_entry_set_pathname(entry.get(), kTarMemberName);
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member_size_));
  archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
  check(archive_write_header(archive_, entry.get()), "writing the archive header");
}

ArchiveSink::~ArchiveSink() {
  // archive_write_free also closes; on an error path its output is discarded
  // together with the temporary file, so its result does not matter.
  if (archive_ != nullptr) archive_write_free(archive_);
}

void ArchiveSink::fail(const std::string& what) const {
  std::string cause = archive_ != nullptr && archive_error_string(archive_) != nullptr
                          ? archive_error_string(archive_)
                          : "no details";
  throw CheckpointError("cannot write checkpoint '" + path_ + "': " + what + " failed (" + cause +
                        "); save to a plain .pt name or check the disk");
}

void ArchiveSink::check(int rc, const std::string& what) {
  if (out_error_) std::rethrow_exception(out_error_);
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) fail(what);
}

void ArchiveSink::write(const char* data, size_t size) {
  if (received_ + size > member_size_) fail("the checkpoint grew beyond its measured size; writing");
  while (size > 0) {
    const size_t chunk = size < kMaxDataCall ? size : kMaxDataCall;
    const la_ssize_t n = archive_write_data(archive_, data, chunk);
    if (out_error_) std::rethrow_exception(out_error_);
    if (n <= 0) fail("compressing");
    data += n;
    size -= static_cast<size_t>(n);
    received_ += static_cast<uint64_t>(n);
  }
}

void ArchiveSink::finish() {
  if (finished_) return;
  if (received_ != member_size_)
    fail("the checkpoint has " + std::to_string(received_) + " bytes, not the measured " +
         std::to_string(member_size_) + "; writing");
  check(archive_write_finish_entry(archive_), "ending the member");
  check(archive_write_close(archive_), "flushing the compressor");
  finished_ = true;
}

}  // namespace cairn::checkpoint
