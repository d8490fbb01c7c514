// A ByteSink that wraps the checkpoint's zip bytes in a tar and/or a
// compressor, in-process with libarchive, streaming into another sink.
#pragma once

#include <cstdint>
#include <exception>

#include <sys/types.h>
#include <string>

#include "core/byte_sink.h"
#include "checkpoint/io/checkpoint_format.h"

struct archive;

namespace cairn::checkpoint {

class ArchiveSink final : public ByteSink {
 public:
  // `format` must not be plain zip. A tar header records the member's size
  // before its data, so `member_size` must be exact (see checkpoint_zip_size).
  // `path` is only for messages. Throws CheckpointError.
  ArchiveSink(ByteSink& out, const CheckpointFormat& format, uint64_t member_size, std::string path);
  ~ArchiveSink() override;
  ArchiveSink(const ArchiveSink&) = delete;
  ArchiveSink& operator=(const ArchiveSink&) = delete;

  void write(const char* data, size_t size) override;
  // Ends the member and flushes the compressor. Throws CheckpointError if the
  // member got a different number of bytes than announced.
  void finish();

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void check(int rc, const std::string& what);
  // libarchive's write callback: hands compressed bytes on to `out_`.
  static ssize_t forward(struct archive*, void* self, const void* data, size_t size);

  ByteSink& out_;
  std::string path_;
  struct archive* archive_ = nullptr;
  uint64_t member_size_;
  uint64_t received_ = 0;
  bool finished_ = false;
  // The first exception `out_` threw inside libarchive's callback, rethrown once
  // libarchive has returned (exceptions must not cross its C frames).
  std::exception_ptr out_error_;
};

}  // namespace cairn::checkpoint
