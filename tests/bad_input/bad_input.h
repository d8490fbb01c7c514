// What every bad-input case checks: the command failed with the expected
// status and said so in exactly one line, `cairn: error: ...`, that contains
// each of `must_name` (the setting or file, and what to do).
#pragma once

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace cairn::test {

inline void expect_one_line_error(const Result& r, int status, const std::vector<std::string>& must_name) {
  BOOST_TEST_CONTEXT(describe(r)) {
    BOOST_TEST(r.status == status);
    const std::string prefix = "cairn: error: ";
    BOOST_TEST(r.err.rfind(prefix, 0) == 0u);
    BOOST_TEST(!r.err.empty());
    BOOST_TEST(r.err.find('\n') == r.err.size() - 1, "the error is exactly one line");
    for (const std::string& part : must_name) {
      BOOST_TEST(r.err.find(part) != std::string::npos, "the error names '" << part << "'");
    }
  }
}

// Nothing was written there: a refused run leaves no checkpoint behind.
inline void expect_empty_or_absent(const std::filesystem::path& folder) {
  BOOST_TEST((!std::filesystem::exists(folder) || std::filesystem::is_empty(folder)), folder << " holds files");
}

}  // namespace cairn::test
