#!/usr/bin/python3
"""Runs the named unittest modules of this folder (ctest's entry point) and
ends with one summary line: 'N passed, N failed, N skipped'. Skips print their
reason. Every skip here is for a missing peer (a server, awscli, boto3), so:
  - when every test skipped, the exit status is 77, which ctest reports as
    "Skipped" (SKIP_RETURN_CODE, tests/CMakeLists.txt), never as a pass;
  - with CAIRN_REQUIRE_PEERS=1 (CI) a skip is a failure.
Otherwise the exit status is non-zero only on failures or errors."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SKIP_EXIT_CODE = 77  # tests/support/test_skip.h


def peers_required():
    return os.environ.get("CAIRN_REQUIRE_PEERS", "") not in ("", "0")


def main(modules):
    suite = unittest.defaultTestLoader.loadTestsFromNames(modules)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    # A class skipped in setUpClass is one entry and ran no test: count it as
    # one skip, but take only skipped test methods off the tests that ran.
    skipped = len(result.skipped)
    skipped_methods = sum(isinstance(test, unittest.TestCase) for test, _ in result.skipped)
    passed = result.testsRun - failed - skipped_methods
    for test, reason in result.skipped:
        print(f"CAIRN-SKIP {test.id()}: {reason}")
    if skipped and peers_required():
        print(f"CAIRN_REQUIRE_PEERS=1: {skipped} skipped test(s) count as failed "
              "(scripts/deps.sh installs every peer)")
        failed += skipped
        skipped = 0
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    return SKIP_EXIT_CODE if skipped and passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["test_s3_peers", "test_fault_proxy"]))
