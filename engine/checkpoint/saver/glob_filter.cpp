#include "checkpoint/saver/glob_filter.h"

#include <set>
#include <sstream>

#include "checkpoint/saver/name_format.h"

namespace cairn {
namespace {

// Python's fnmatch works on code points, so keys and globs are matched as
// UTF-32: '?' and a set stand for one character, not one byte, of "layer_é".
// A byte that is not valid UTF-8 stands for itself (as Python's
// surrogateescape would keep it), so no key is unmatchable.
std::u32string code_points(const std::string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    bool valid = length != 0 && i + length <= text.size();
    char32_t cp = length == 1 ? lead : length == 2 ? (lead & 0x1F) : length == 3 ? (lead & 0x0F) : (lead & 0x07);
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next >> 6) == 0x2;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (!valid) {
      out.push_back(0xDC00 + lead);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += length;
  }
  return out;
}

// Matches one "[...]" set at glob[i] against c, with Python's rules: "[!" negates,
// "[^" does not (a literal '^', where fnmatch(3) would negate), a ']' right after
// "[" or "[!" is a member. Returns false with `end` unchanged when the set is
// not closed (the '[' is then a literal).
bool match_set(const std::u32string& glob, size_t i, char32_t c, size_t& end, bool& matched) {
  size_t j = i + 1;
  bool negate = false;
  if (j < glob.size() && glob[j] == U'!') {
    negate = true;
    ++j;
  }
  const size_t first = j;
  if (j < glob.size() && glob[j] == U']') ++j;
  while (j < glob.size() && glob[j] != U']') ++j;
  if (j >= glob.size()) return false;
  bool in = false;
  for (size_t k = first; k < j; ++k) {
    if (k + 2 < j && glob[k + 1] == U'-') {
      if (glob[k] <= c && c <= glob[k + 2]) in = true;
      k += 2;
    } else if (glob[k] == c) {
      in = true;
    }
  }
  matched = in != negate;
  end = j + 1;
  return true;
}

std::string key_text(const c10::IValue& key) {
  if (key.isString()) return key.toStringRef();
  if (key.isInt()) return std::to_string(key.toInt());
  if (key.isBool()) return key.toBool() ? "True" : "False";
  if (key.isDouble()) return python_float_str(key.toDouble());
  std::ostringstream out;
  out << key;
  return out.str();
}

void collect_paths(const c10::IValue& node, const std::string& path, std::vector<std::string>& paths) {
  auto child = [&](const std::string& part) { return path.empty() ? part : path + "/" + part; };
  if (node.isGenericDict()) {
    for (const auto& entry : node.toGenericDict()) {
      const std::string p = child(key_text(entry.key()));
      paths.push_back(p);
      collect_paths(entry.value(), p, paths);
    }
  } else if (node.isList()) {
    const auto list = node.toList();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string p = child(std::to_string(i));
      paths.push_back(p);
      collect_paths(list.get(i), p, paths);
    }
  }
}

void remove_paths(c10::IValue& node, const std::string& path, const std::set<std::string>& doomed) {
  auto child = [&](const std::string& part) { return path.empty() ? part : path + "/" + part; };
  if (node.isGenericDict()) {
    auto dict = node.toGenericDict();
    std::vector<c10::IValue> drop;
    for (const auto& entry : dict) {
      const std::string p = child(key_text(entry.key()));
      if (doomed.count(p) != 0) {
        drop.push_back(entry.key());
      } else {
        c10::IValue value = entry.value();
        remove_paths(value, p, doomed);
      }
    }
    for (const auto& key : drop) dict.erase(key);
  } else if (node.isList()) {
    auto list = node.toList();
    // Recurse before removing, and remove from the back, so that every path
    // keeps meaning the element it named when the globs were matched.
    for (size_t i = 0; i < list.size(); ++i) {
      if (doomed.count(child(std::to_string(i))) != 0) continue;
      c10::IValue element = list.get(i);
      remove_paths(element, child(std::to_string(i)), doomed);
    }
    for (size_t i = list.size(); i-- > 0;) {
      if (doomed.count(child(std::to_string(i))) != 0) list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

}  // namespace

// Hand-written rather than fnmatch(3): glibc negates "[^...]" where Python
// reads a literal '^' (so "[^a]" would match "b"), and in the C locale it
// matches bytes, not characters. Iterative, with one backtrack point for the
// last '*'.
bool fnmatch_path(const std::string& glob_text, const std::string& path_text) {
  const std::u32string glob = code_points(glob_text);
  const std::u32string path = code_points(path_text);
  size_t g = 0, p = 0, star_g = std::u32string::npos, star_p = 0;
  while (p < path.size()) {
    if (g < glob.size()) {
      const char32_t gc = glob[g];
      if (gc == U'*') {
        star_g = g++;
        star_p = p;
        continue;
      }
      if (gc == U'?') {
        ++g;
        ++p;
        continue;
      }
      if (gc == U'[') {
        size_t end = g;
        bool matched = false;
        if (match_set(glob, g, path[p], end, matched)) {
          if (matched) {
            g = end;
            ++p;
            continue;
          }
        } else if (path[p] == U'[') {
          ++g;
          ++p;
          continue;
        }
      } else if (gc == path[p]) {
        ++g;
        ++p;
        continue;
      }
    }
    if (star_g == std::u32string::npos) return false;
    g = star_g + 1;
    p = ++star_p;
  }
  while (g < glob.size() && glob[g] == U'*') ++g;
  return g == glob.size();
}

std::vector<std::string> glob_filter(c10::IValue& root, const std::vector<std::string>& globs) {
  std::vector<std::string> paths;
  collect_paths(root, "", paths);
  std::set<std::string> doomed;
  std::vector<std::string> unused;
  for (const std::string& glob : globs) {
    bool any = false;
    for (const std::string& path : paths) {
      if (fnmatch_path(glob, path)) {
        doomed.insert(path);
        any = true;
      }
    }
    if (!any) unused.push_back(glob);
  }
  if (!doomed.empty()) remove_paths(root, "", doomed);
  return unused;
}

}  // namespace cairn
