#include "s3_xml.h"

#include <cstdlib>

namespace s3store {

namespace {

void append_utf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

}  // namespace

std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t semicolon = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semicolon == std::string_view::npos || semicolon - i > 10) {
      out += text[i];
      continue;
    }
    const std::string entity(text.substr(i + 1, semicolon - i - 1));
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      append_utf8(out, std::strtoul(entity.c_str() + (hex ? 2 : 1), nullptr, hex ? 16 : 10));
    } else {
      out += text.substr(i, semicolon - i + 1);
    }
    i = semicolon;
  }
  return out;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string> xml_values(std::string_view document, std::string_view tag) {
  std::vector<std::string> values;
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  size_t at = 0;
  while ((at = document.find(open, at)) != std::string_view::npos) {
    const size_t name_end = at + open.size();
    // "<Key>" or "<Key attr=..>" or "<Key/>", not "<KeyMarker>".
    if (name_end >= document.size() || (document[name_end] != '>' && document[name_end] != ' ' && document[name_end] != '/')) {
      at = name_end;
      continue;
    }
    const size_t start_end = document.find('>', name_end);
    if (start_end == std::string_view::npos) break;
    if (document[start_end - 1] == '/') {
      values.emplace_back();
      at = start_end + 1;
      continue;
    }
    const size_t end = document.find(close, start_end + 1);
    if (end == std::string_view::npos) break;
    values.push_back(xml_unescape(document.substr(start_end + 1, end - start_end - 1)));
    at = end + close.size();
  }
  return values;
}

std::string xml_value(std::string_view document, std::string_view tag) {
  auto values = xml_values(document, tag);
  return values.empty() ? "" : values.front();
}

bool xml_is_error(std::string_view document) {
  size_t at = 0;
  // Skip the declaration, comments and white space before the root element.
  while ((at = document.find('<', at)) != std::string_view::npos) {
    if (document.substr(at, 2) == "<?" || document.substr(at, 4) == "<!--") {
      ++at;
      continue;
    }
    return document.substr(at, 7) == "<Error>" || document.substr(at, 7) == "<Error ";
  }
  return false;
}

}  // namespace s3store
