#include "core/safe_names.h"

#include <cstdio>

#include "cairn/errors.h"

namespace cairn {
namespace {

// The first control character, as "\n" or "\x07", or "" when there is none.
std::string first_control_character(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x20 && c != 0x7f) continue;
    if (c == '\n') return "\\n";
    if (c == '\t') return "\\t";
    if (c == '\r') return "\\r";
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", unsigned(c));
    return buf;
  }
  return "";
}

// The text with control characters escaped, so the error stays one line.
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text) {
    const std::string bad = first_control_character(std::string(1, c));
    out += bad.empty() ? std::string(1, c) : bad;
  }
  return out;
}

bool has_parent_component(const std::string& name) {
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = name.find('/', start);
    const std::string part = name.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part == "..") return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

void validate_run_name(const std::string& name, const std::string& origin) {
  auto refuse = [&](const std::string& why) {
    throw ConfigError(origin + " '" + printable(name) + "' " + why +
                      "; the run name becomes part of file and object names, so use letters, digits, '-', '_' or '.'");
  };
  if (name.empty()) refuse("is empty");
  if (name == "." || name == "..") refuse("is a folder reference");
  if (name.find('/') != std::string::npos) refuse("holds a '/'");
  const std::string control = first_control_character(name);
  if (!control.empty()) refuse("holds the control character " + control);
}

std::string name_inside_folder(const std::string& name, const std::string& setting, const std::string& template_text) {
  const size_t first = name.find_first_not_of('/');
  const std::string relative = first == std::string::npos ? std::string() : name.substr(first);
  auto refuse = [&](const std::string& why) {
    const std::string formatted = name == template_text ? "" : " (formatted: '" + printable(name) + "')";
    throw ConfigError(setting + " '" + printable(template_text) + "'" + formatted + " " + why);
  };
  if (relative.empty()) refuse("names no file; give a file name like 'ep{epoch}-ba{batch}-rank{rank}.pt'");
  if (has_parent_component(relative)) {
    refuse("has a '..' component, which leaves its folder; give a name inside the folder");
  }
  const std::string control = first_control_character(relative);
  if (!control.empty()) refuse("holds the control character " + control + "; remove it");
  return relative;
}

}  // namespace cairn
