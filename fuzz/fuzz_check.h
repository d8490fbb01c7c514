// What a fuzz target does when the code under test breaks a promise that is
// not a memory error (the sanitizers catch those): print why and abort, which
// libFuzzer reports as a crash and saves the input, and the replay fails on.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(condition, why)                                                          \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s: %s\n", __FILE__, __LINE__, #condition, \
                   std::string(why).c_str());                                               \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

// Errors reach users as one line (the project's rule for bad input).
inline bool is_one_line(const std::string& message) {
  return !message.empty() && message.find('\n') == std::string::npos;
}
