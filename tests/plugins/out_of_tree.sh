#!/bin/sh
# Installs Cairn, builds samples/checksum_store against the installed SDK core alone
# (LibTorch hidden from CMake; no torch header or library may reach it)
# (from a copy of its sources, so nothing of the source tree is in reach), then
# loads the plugin and round-trips an object through it. Then builds a callback
# against the installed training layer and its helpers (cairn/state_reader.h,
# cairn/config_time.h, ...) and trains, saves and resumes with it.
#   out_of_tree.sh <cmake> <cairn build dir> <checksum_store source> <roundtrip exe> <work dir> <callback source>
set -eu
cmake="$1"; build="$2"; sample="$3"; roundtrip="$4"; work="$5"; callback="$6"

# Only installed headers: the compile lines of the project built in $1 must not
# name the source tree's SDK.
installed_headers_only() {
  if grep -q -- "$source_tree/sdk" "$1/compile_commands.json"; then
    echo "out-of-tree build used the source tree's SDK headers:" >&2
    grep -o -- "-I$source_tree[^ ]*" "$1/compile_commands.json" | sort -u >&2
    exit 1
  fi
  grep -q -- "$work/prefix/include" "$1/compile_commands.json" || {
    echo "out-of-tree build in $1 did not use the installed SDK headers" >&2; exit 1; }
}

rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" >"$work/install.log"
cp -r "$sample" "$work/src"
# LibTorch hidden from CMake: a store plugin needs the SDK core alone.
"$cmake" -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_INSTALL_PREFIX="$work/prefix" >"$work/configure.log"
"$cmake" --build "$work/build" >"$work/build.log"

source_tree=$(cd "$sample/../.." && pwd)
installed_headers_only "$work/build"
# ...and neither LibTorch's headers nor its libraries.
if grep -q -- "torch" "$work/build/compile_commands.json"; then
  echo "out-of-tree store build saw LibTorch:" >&2
  grep -o -- "-I[^ ]*torch[^ ]*" "$work/build/compile_commands.json" | sort -u >&2
  exit 1
fi
if readelf -d "$work/build/libcairn-checked_store.so" | grep NEEDED | grep -E "libtorch|libc10"; then
  echo "the out-of-tree store plugin needs LibTorch (above)" >&2; exit 1
fi

# `cmake --install` of the plugin project puts it where cairn looks for plugins.
"$cmake" --install "$work/build" >"$work/plugin-install.log"
grep -q "Installing: $work/prefix/.*cairn/plugins/libcairn-checked_store.so" "$work/plugin-install.log" || {
  echo "the plugin project did not install into <prefix>/.../cairn/plugins:" >&2; cat "$work/plugin-install.log" >&2; exit 1; }

"$roundtrip" "$work/build/libcairn-checked_store.so" "$work/scratch"

# The installed `cairn` finds the installed plugin next to itself, with no flags.
if [ -x "$work/prefix/bin/cairn" ]; then
  env -u CAIRN_PLUGIN_PATH "$work/prefix/bin/cairn" plugins --json >"$work/plugins.json"
  /usr/bin/python3 - "$work/plugins.json" "$work/prefix" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
prefix = sys.argv[2]
found = [p for p in report["plugins"] if p["name"] == "checked_store"]
assert found, "installed cairn does not list checked_store: %s" % [p["name"] for p in report["plugins"]]
assert found[0]["file"].startswith(prefix + "/"), "checked_store came from %s, not the install prefix" % found[0]["file"]
assert not report["failures"], "installed cairn reports plugin failures: %s" % report["failures"]
print("installed cairn lists checked_store from", found[0]["file"])
PY
fi

# A callback against the installed training layer, as README's "Writing a
# plugin" describes: LibTorch visible this time.
cp -r "$callback" "$work/callback-src"
"$cmake" -S "$work/callback-src" -B "$work/callback-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/callback-configure.log"
"$cmake" --build "$work/callback-build" >"$work/callback-build.log" || {
  echo "the out-of-tree callback did not build against the installed SDK:" >&2; cat "$work/callback-build.log" >&2; exit 1; }
installed_headers_only "$work/callback-build"
if [ -x "$work/prefix/bin/cairn" ]; then
  mkdir -p "$work/run"
  fit() { (cd "$work/run" && env -u CAIRN_PLUGIN_PATH "$work/prefix/bin/cairn" fit --model mlp --data synthetic --seed 1 \
            --plugin-dir "$work/callback-build" "$@"); }
  # The helpers' config errors reach the user: a unit the option does not take.
  if fit --max-duration 2ba --callback 'Milestone={"at": "3tok"}' >"$work/bad-config.log" 2>&1 ||
     ! grep -q "callback 'Milestone'.*'at'.*tok.*use one of: ba, dur" "$work/bad-config.log"; then
    echo "Milestone's bad 'at' was not refused by name:" >&2; cat "$work/bad-config.log" >&2; exit 1
  fi
  fit --max-duration 4ba --callback 'Milestone={"at": "2ba"}' --save-folder ckpt --save-interval 4ba \
    >"$work/fit.log" 2>&1 || { echo "cairn fit with the out-of-tree callback failed:" >&2; cat "$work/fit.log" >&2; exit 1; }
  grep -q "Milestone: reached 2ba at batch 2" "$work/fit.log" || {
    echo "the out-of-tree callback did not report its milestone:" >&2; cat "$work/fit.log" >&2; exit 1; }
  # Resumed, its saved state (read back with StateReader) says the milestone is behind it.
  fit --max-duration 6ba --callback 'Milestone={"at": "2ba"}' --load-path ckpt/latest-rank0.pt \
    >"$work/resume.log" 2>&1 || { echo "resuming with the out-of-tree callback failed:" >&2; cat "$work/resume.log" >&2; exit 1; }
  if grep -q "Milestone: reached" "$work/resume.log"; then
    echo "the out-of-tree callback lost its state across the resume:" >&2; cat "$work/resume.log" >&2; exit 1
  fi
  echo "out-of-tree callback built against the installed training layer, trained and resumed"
fi
