#!/usr/bin/python3
"""npm packages the tests run, pinned, installed once into Cairn's cache folder
($CAIRN_CACHE_DIR, default ~/.cache/cairn) as <cache>/npm/<name>-<version>
(stdlib only). A lock keeps parallel tests from installing twice, and a
half-done install is never used: npm installs into a staging folder that is
renamed into place when complete.

Python:  node_modules = npm_cache.install("oci-common", "2.142.1")
         (raises loopback_server.PeerUnavailable when node/npm are missing or npm fails)
CLI:     npm_cache.py install NAME VERSION
           prints the node_modules folder; exit 77 with {"unavailable": REASON} when it
           cannot be installed here (scripts/deps.sh installs the pinned peers this way)
"""
import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loopback_server  # noqa: E402
from loopback_server import PeerUnavailable  # noqa: E402


def cache_dir():
    return os.environ.get("CAIRN_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "cairn")


def package_folder(name, version):
    """Where NAME@VERSION lives: <cache>/npm/<name>-<version> ('/' of a scope becomes '+')."""
    return os.path.join(cache_dir(), "npm", f"{name.replace('/', '+')}-{version}")


def install(name, version, timeout=600):
    """Installs NAME@VERSION into the cache unless it is there; returns its node_modules folder."""
    target = package_folder(name, version)
    modules = os.path.join(target, "node_modules")
    marker = os.path.join(modules, *name.split("/"), "package.json")
    if os.path.isfile(marker):
        return modules
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        raise PeerUnavailable(f"{name} needs node and npm, and {'npm' if not npm else 'node'} is not installed "
                              "(scripts/deps.sh installs them)")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(marker):
            return modules
        staging = tempfile.mkdtemp(prefix=os.path.basename(target) + ".", dir=os.path.dirname(target))
        try:
            try:
                result = subprocess.run(
                    [npm, "install", "--prefix", staging, "--no-audit", "--no-fund", "--no-update-notifier",
                     f"{name}@{version}"],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
            except subprocess.TimeoutExpired as e:
                raise PeerUnavailable(f"npm install {name}@{version} did not finish within {timeout} s") from e
            if result.returncode != 0 or not os.path.isfile(
                    os.path.join(staging, "node_modules", *name.split("/"), "package.json")):
                tail = "\n".join(result.stdout.strip().splitlines()[-8:])
                raise PeerUnavailable(f"npm install {name}@{version} failed (status {result.returncode}):\n{tail}")
            shutil.rmtree(target, ignore_errors=True)
            os.rename(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return modules


def main(argv=None):
    parser = argparse.ArgumentParser(description="Pinned npm packages in Cairn's cache folder.")
    sub = parser.add_subparsers(dest="command", required=True)
    install_cmd = sub.add_parser("install", help="install NAME@VERSION unless cached; print its node_modules")
    install_cmd.add_argument("name")
    install_cmd.add_argument("version")
    args = parser.parse_args(argv)
    try:
        print(install(args.name, args.version))
    except PeerUnavailable as e:
        return loopback_server.print_unavailable(str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
