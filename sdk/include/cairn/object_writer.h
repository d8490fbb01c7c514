// ObjectWriter: an object written as a stream, for data that is produced
// piece by piece (a checkpoint being serialized) and should reach the store
// without a detour through a local file.
//
// Bytes go to the store as they come (a multipart upload, a resumable session,
// a block list), yet the object appears under its name only at commit(),
// complete: until then a reader sees the previous object of that name, or
// none. A writer destroyed without commit() — an exception unwinding, a
// failed write — aborts, and the parts already sent are removed (best effort;
// a store's own lifecycle rules collect what an abort could not).
//
// One thread writes; the store may send earlier parts on its own threads
// meanwhile. The writer refers to its store, which must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cairn/export.h"

namespace cairn {

class CAIRN_EXPORT ObjectWriter {
 public:
  // Aborts unless commit() returned.
  virtual ~ObjectWriter();

  // Takes all `size` bytes or throws a StoreError (after the store's retries).
  // `data` may point into memory the caller reuses: an implementation copies
  // what it keeps. May block while the store's parts in flight are at their
  // limit, which bounds the memory a stream holds.
  virtual void write(const char* data, size_t size) = 0;

  // Sends what is left and makes the object visible under its name, replacing
  // an older one. After a failed commit nothing is visible and the writer is
  // spent: start again with a new one.
  virtual void commit() = 0;

  // Bytes given to write() so far.
  virtual uint64_t bytes_written() const = 0;
};

}  // namespace cairn
