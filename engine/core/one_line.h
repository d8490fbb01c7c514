// Making one line of a text that is shown as one: every message Cairn shows a
// user is one line (cairn/errors.h), but what it quotes may not be (a JSON
// parser's complaint, a plugin's exception, a torch error with its C++ stack).
#pragma once

#include <exception>
#include <string>

namespace cairn {

// `text` with each line break ('\n', '\r') turned into a space: for texts
// whose every line matters (a parser quoting the input).
std::string one_line(std::string text);

// The first line of `text`: for texts whose later lines are detail.
std::string first_line(const std::string& text);

// What `e` says, as one line: a torch (c10::Error) message without its
// backtrace, and of any exception only the first line.
std::string exception_line(const std::exception& e);

}  // namespace cairn
