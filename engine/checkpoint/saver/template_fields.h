// Splitting a Python str.format template into literal text and {fields}.
//
// Shared by the name formatter (which fills fields) and the conflict check
// (which turns fields into regex groups), so both read a template the same way.
#pragma once

#include <string>
#include <vector>

namespace cairn {

struct TemplatePiece {
  bool is_field = false;
  // Literal text with "{{" / "}}" already unescaped, or for a field the
  // whole field as written, braces included ("{epoch:04d}").
  std::string text;
  std::string name;  // field name, before any '!' or ':'
  std::string conversion;  // after '!' ("r", "s", "a"), empty if none
  std::string spec;        // after ':', empty if none
};

// Throws ConfigError naming `what` (e.g. "filename 'ep{epoch.pt'") for an
// unclosed '{' or a single '}'.
std::vector<TemplatePiece> split_template(const std::string& format, const std::string& what);

}  // namespace cairn
