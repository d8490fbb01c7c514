// Small helpers for asserting on error messages in tests.
#pragma once

#include <string>

namespace cairn::test {

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The message of the `Error` that `f` throws, or a marker when it throws none,
// so a test can assert on what the message says.
template <typename Error, typename F>
std::string error_text(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no exception thrown)";
}

}  // namespace cairn::test
