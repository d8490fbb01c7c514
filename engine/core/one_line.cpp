#include "core/one_line.h"

#include <c10/util/Exception.h>

#include <algorithm>

namespace cairn {

std::string one_line(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find_first_of("\r\n")); }

std::string exception_line(const std::exception& e) {
  // Torch's what() begins with the message but carries the C++ stack after it.
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&e)) {
    return first_line(torch_error->what_without_backtrace());
  }
  return first_line(e.what());
}

}  // namespace cairn
