// Removing parts of a checkpoint dict by glob (Composer's checkpoint.glob_filter),
// used for save_ignore_keys and load_ignore_keys.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

namespace cairn {

// Python's fnmatch on a '/'-joined path: '*' matches any run of characters,
// '/' included; '?' one character; "[abc]", "[a-z]" and "[!abc]" one character
// of (not of) a set; "[^a]" is a set of '^' and 'a', as in Python. A '[' with no
// closing ']' is literal. Case-sensitive; characters are UTF-8 code points.
bool fnmatch_path(const std::string& glob, const std::string& path);

// Every node of `root` has a path: dict keys (non-string keys as Python's str()
// writes them) and list indices joined with '/', e.g. "state/model/fc.weight"
// or "state/list_element/0/nested". Removes, in place, every node whose path
// matches one of `globs` (with everything below it; list elements are removed
// from the highest index down, so removing ".../0" and ".../1" works). Tuples
// are leaves. Returns the globs that matched nothing, for the caller to warn about.
std::vector<std::string> glob_filter(c10::IValue& root, const std::vector<std::string>& globs);

}  // namespace cairn
