// torch.save's legacy format: what every torch.save wrote before PyTorch 1.6,
// and what `_use_new_zipfile_serialization=False` still writes. Five pickles
// back to back (a magic number, the format's version 1001, the writer's byte
// order and type sizes, the object, the sorted list of storage keys), then
// each storage's bytes in that order behind its element count (int64).
//
// The object is read with the restricted unpickler, like a zip checkpoint's
// data.pkl. The format has no checksums and no manifest, so nothing in it can
// be verified or signed: with a trusted key configured it is refused.
#pragma once

#include <cstddef>
#include <string>

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint {

// Whether the file's first bytes are the legacy format's magic-number pickle.
bool is_legacy_checkpoint(const unsigned char* head, size_t size);

// Reads the file open on `fd` (which stays the caller's); `name` is what
// errors call it. Throws CheckpointError with one line naming the file and
// the byte offset of what is wrong.
c10::IValue read_legacy_checkpoint(int fd, const std::string& name);

}  // namespace cairn::checkpoint
