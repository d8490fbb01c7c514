// A stretch of an open file that the zip readers treat as a whole file.
//
// A sharded checkpoint's data file holds one complete zip per item, one after
// another. Reading an item where it lies, rather than copying it out into a
// file of its own first, spares a copy and, on the machines measured, a first
// touch of fresh memory for every byte (shared/reference/perf-probes).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace cairn::checkpoint {

struct FileSpan {
  int fd = -1;          // not owned
  uint64_t start = 0;   // where the span begins in the file
  uint64_t size = 0;    // its length: reads past it find the end of the file

  // All of `fd`, as long as fstat says it is now (0 when fstat fails).
  static FileSpan whole_file(int fd);

  // As ::pread, with `pos` counted from the span's start: at most `n` bytes,
  // none at or past its end (0), -1 with errno on failure.
  ssize_t pread(void* buf, size_t n, uint64_t pos) const;
};

}  // namespace cairn::checkpoint
