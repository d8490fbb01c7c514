// Skipping a Boost test case because something it needs is missing on this
// machine (a server, a tool, a Python module), in a way that never reads as a
// pass:
//
//   if (!tool_installed) CAIRN_SKIP_TEST("zstd is not installed");
//   CAIRN_SKIP_UNLESS_AVAILABLE(peer);   // loopback_peer.h
//
// The case returns at once and is recorded as skipped; it prints one line
// "CAIRN-SKIP <case>: <reason>" on stdout (scripts/test.sh lists those). The
// shared main (test_main.cpp) exits with kSkipExitCode when every case that ran
// was skipped, which ctest reports as "Skipped" (SKIP_RETURN_CODE in
// tests/CMakeLists.txt), not as "Passed". With CAIRN_REQUIRE_PEERS=1 (CI) a
// skip is a failure instead: there, every peer must be installed.
#pragma once

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>

namespace cairn::test {

// ctest's SKIP_RETURN_CODE (and automake's convention for "skipped").
constexpr int kSkipExitCode = 77;

inline bool peers_required() {
  const char* value = std::getenv("CAIRN_REQUIRE_PEERS");
  return value != nullptr && std::strcmp(value, "") != 0 && std::strcmp(value, "0") != 0;
}

// The ids of the test cases that skipped in this process.
inline std::set<boost::unit_test::test_unit_id>& skipped_cases() {
  static std::set<boost::unit_test::test_unit_id> ids;
  return ids;
}

// Records the running case as skipped and prints why; under
// CAIRN_REQUIRE_PEERS=1 reports a failure instead.
inline void record_skip(const std::string& reason) {
  const auto& current = boost::unit_test::framework::current_test_case();
  if (peers_required()) {
    BOOST_ERROR("CAIRN_REQUIRE_PEERS=1 and this test cannot run: " << reason
                << " (scripts/deps.sh installs every peer)");
    return;
  }
  skipped_cases().insert(current.p_id);
  std::cout << "CAIRN-SKIP " << current.full_name() << ": " << reason << std::endl;
  BOOST_TEST_MESSAGE("skipped: " << reason);
}

}  // namespace cairn::test

// Ends the current test case as skipped (a failure under CAIRN_REQUIRE_PEERS=1).
// `reason` is streamed: CAIRN_SKIP_TEST("no " << tool).
#define CAIRN_SKIP_TEST(reason)                      \
  do {                                               \
    std::ostringstream cairn_skip_reason_;           \
    cairn_skip_reason_ << reason;                    \
    ::cairn::test::record_skip(cairn_skip_reason_.str()); \
    return;                                          \
  } while (0)
