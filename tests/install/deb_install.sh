#!/bin/sh
# Packages the build with cpack, installs the .deb with dpkg into a scratch
# root (its own dpkg database, so the machine's is untouched), then runs the
# installed `cairn`: `cairn plugins` must list the bundled plugins from the
# installed plugin folder, and a short `cairn fit` must write a checkpoint that
# `cairn inspect` reads.
#   deb_install.sh <cpack> <cairn build dir> <work dir>
set -eu
cpack="$1"; build="$2"; work="$3"

rm -rf "$work"
mkdir -p "$work/root/var/lib/dpkg/info" "$work/root/var/lib/dpkg/updates" "$work/home" "$work/run"
: >"$work/root/var/lib/dpkg/status"

(cd "$build" && "$cpack" -G DEB -B "$work/package" >"$work/cpack.log" 2>&1) || {
  echo "deb_install: cpack failed:" >&2; cat "$work/cpack.log" >&2; exit 1; }
deb=$(ls "$work"/package/cairn_*.deb)
echo "deb_install: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

dpkg-deb --field "$deb" Package Version Depends
# Dependencies are the machine's own packages, absent from the scratch database.
dpkg --root="$work/root" --force-depends --force-not-root --force-script-chrootless \
  --log=/dev/null -i "$deb" >"$work/dpkg.log" 2>&1 || {
  echo "deb_install: dpkg -i failed:" >&2; cat "$work/dpkg.log" >&2; exit 1; }
dpkg --root="$work/root" -s cairn | grep -q '^Status: install ok installed' || {
  echo "deb_install: dpkg does not list cairn as installed" >&2; exit 1; }

cairn="$work/root/usr/bin/cairn"
[ -x "$cairn" ] || { echo "deb_install: the package has no usr/bin/cairn" >&2; exit 1; }
for path in usr/include/cairn/plugin.h usr/lib/cmake/CairnSDK/CairnSDKConfig.cmake; do
  [ -e "$work/root/$path" ] || { echo "deb_install: the package has no $path" >&2; exit 1; }
done

# Nothing from the build tree or the user's folders: only the installed layout.
run() { env -u CAIRN_PLUGIN_PATH HOME="$work/home" "$cairn" "$@"; }
run plugins --json >"$work/plugins.json"
/usr/bin/python3 - "$work/plugins.json" "$work/root" <<'PY'
import json, sys
report, root = json.load(open(sys.argv[1])), sys.argv[2]
names = {p["name"]: p["file"] for p in report["plugins"]}
for needed in ("mlp", "synthetic", "ema", "speed_monitor", "s3"):
    assert needed in names, f"installed cairn did not load '{needed}'; loaded: {sorted(names)}"
outside = [f for f in names.values() if f != "<builtin>" and not f.startswith(root + "/usr/lib/cairn/plugins/")]
assert not outside, f"plugins loaded from outside the installed folder: {outside}"
assert not report["failures"], f"plugin load failures: {report['failures']}"
print(f"deb_install: installed cairn loaded {len(names)} plugins from usr/lib/cairn/plugins")
PY

(cd "$work/run" && run fit --model mlp --data synthetic --seed 1 --max-duration 1ep \
   --save-folder ckpt --run-name installed >"$work/fit.log" 2>&1) || {
  echo "deb_install: cairn fit from the installed layout failed:" >&2; cat "$work/fit.log" >&2; exit 1; }
run inspect "$work/run/ckpt/latest-rank0.pt" >"$work/inspect.log" || {
  echo "deb_install: cairn inspect failed:" >&2; cat "$work/inspect.log" >&2; exit 1; }
grep -q "installed" "$work/inspect.log" || {
  echo "deb_install: the checkpoint does not name the run:" >&2; cat "$work/inspect.log" >&2; exit 1; }
echo "deb_install: cairn fit and inspect ran from the installed package"
