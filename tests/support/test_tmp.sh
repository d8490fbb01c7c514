#!/usr/bin/env bash
# The per-test TMPDIR folders (tests/CMakeLists.txt, cairn_isolate_test).
#   test_tmp.sh setup ROOT NAME...   empties ROOT and makes ROOT/NAME for each test
#   test_tmp.sh check ROOT           fails, listing them, if any test left files behind
# A test, or Cairn under test, that leaves a staging folder, a pointer file or a
# server's scratch folder in $TMPDIR fills users' disks run after run.
set -euo pipefail
command=$1 root=$2
shift 2
case "$command" in
  setup)
    rm -rf "$root"
    for name in "$@"; do mkdir -p "$root/$name"; done
    ;;
  check)
    leftovers=$(cd "$root" && find . -mindepth 2 -maxdepth 3 | sed 's|^\./||' | sort)
    if [ -n "$leftovers" ]; then
      echo "tests left these in their TMPDIR (under $root); each must be removed by whoever made it:"
      echo "$leftovers" | head -n 50
      count=$(echo "$leftovers" | wc -l)
      [ "$count" -le 50 ] || echo "... and $((count - 50)) more"
      # Named so that a leftover from the engine is told apart from a test's own.
      if echo "$leftovers" | grep -q '/cairn-save-'; then
        echo "cairn-save-*: remote-save staging folders left by the engine's RemoteUploaderDownloader"
      fi
      exit 1
    fi
    echo "no test left anything in its TMPDIR"
    ;;
  *)
    echo "usage: test_tmp.sh setup ROOT NAME... | check ROOT" >&2
    exit 2
    ;;
esac
