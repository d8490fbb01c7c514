// The one-line errors for a file that cannot be read as a checkpoint.
//
// Every reader path (plain zip, tar, compressed) reports through these, so a
// user sees one wording for one kind of file: cut short, or not a checkpoint
// at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "checkpoint/io/file_span.h"

namespace cairn::checkpoint {

// CheckpointError: "checkpoint 'PATH' is truncated or is not a checkpoint (CAUSE); ...".
[[noreturn]] void not_a_checkpoint(const std::string& path, const std::string& cause);

// A library's error text as a short cause: its first line, without the
// "[enforce fail at file.cc:N] ." prefix that means nothing to users.
std::string library_reason(const std::string& text);

// For a zip whose layout the PyTorch reader refuses: says whether it is cut
// short or a zip of something other than a checkpoint.
[[noreturn]] void explain_unreadable_zip(const FileSpan& zip, const std::string& path, const std::string& library_error);

// Reads exactly `n` bytes at `pos` of `file` (retrying short and interrupted
// reads). Throws CheckpointError naming `path`: the system's reason when the
// read fails, not_a_checkpoint(path, cut_short) when the file ends first.
void read_fully(const FileSpan& file, uint64_t pos, char* buf, size_t n, const std::string& path,
                const std::string& cut_short);

}  // namespace cairn::checkpoint
