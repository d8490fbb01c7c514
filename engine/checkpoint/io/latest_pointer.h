// Composer's remote latest pointer: object stores have no symlinks, so the
// latest checkpoint of a run is named by an object "<name>.symlink" whose
// content is the checkpoint's object name (Composer writes no newline; one
// written by hand may end with one). The saver writes these; the uploader reads
// one to publish it only after its target, and a load follows them.
#pragma once

#include <string>

namespace cairn::checkpoint {

inline constexpr char kPointerSuffix[] = ".symlink";

// Whether `object_name` is a pointer: it ends in ".symlink" after a name.
bool is_pointer_name(const std::string& object_name);

// The object name a pointer file at `path` holds, trailing line breaks
// removed; empty when the file is empty or cannot be read.
std::string read_pointer_file(const std::string& path);

}  // namespace cairn::checkpoint
