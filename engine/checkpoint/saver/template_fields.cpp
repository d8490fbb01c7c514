#include "checkpoint/saver/template_fields.h"

#include "cairn/errors.h"

namespace cairn {

std::vector<TemplatePiece> split_template(const std::string& format, const std::string& what) {
  std::vector<TemplatePiece> pieces;
  std::string literal;
  auto flush_literal = [&] {
    if (literal.empty()) return;
    TemplatePiece piece;
    piece.text = literal;
    pieces.push_back(std::move(piece));
    literal.clear();
  };

  size_t i = 0;
  while (i < format.size()) {
    const char c = format[i];
    if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}') {
        literal += '}';
        i += 2;
        continue;
      }
      throw ConfigError(what + " has a single '}' at position " + std::to_string(i) +
                        "; write '}}' for a literal brace");
    }
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      literal += '{';
      i += 2;
      continue;
    }
    // A field; its spec may itself hold {nested} fields, as in Python.
    size_t depth = 1, j = i + 1;
    while (j < format.size() && depth > 0) {
      if (format[j] == '{') ++depth;
      if (format[j] == '}') --depth;
      ++j;
    }
    if (depth != 0) {
      throw ConfigError(what + " has a '{' at position " + std::to_string(i) +
                        " that is never closed; write '{{' for a literal brace");
    }
    flush_literal();
    TemplatePiece field;
    field.is_field = true;
    field.text = format.substr(i, j - i);
    const std::string inner = format.substr(i + 1, j - i - 2);
    const size_t name_end = inner.find_first_of("!:");
    field.name = inner.substr(0, name_end);
    if (name_end != std::string::npos) {
      const size_t colon = inner.find(':', name_end);
      if (inner[name_end] == '!') field.conversion = inner.substr(name_end + 1, colon - name_end - 1);
      if (colon != std::string::npos) field.spec = inner.substr(colon + 1);
    }
    pieces.push_back(std::move(field));
    i = j;
  }
  flush_literal();
  return pieces;
}

}  // namespace cairn
