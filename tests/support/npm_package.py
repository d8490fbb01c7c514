"""npm packages that the test peers run, installed once into Cairn's cache (stdlib only).

  install(package, version, entry) -> the absolute path of `entry` inside the
      installed package ("bin/s3rver.js", "dist/src/blob/main.js")

Each package@version goes into its own folder, $CAIRN_CACHE_DIR (default
~/.cache/cairn)/npm/<name>-<version>. A lock keeps parallel tests from
installing twice, and an install is built in a staging folder that is renamed
into place only when complete, so a half-done install is never used. A
machine without node/npm, or a failed install, raises PeerUnavailable (the
tests that need the package skip, printing why).
"""
import fcntl
import os
import shutil
import subprocess
import tempfile

from loopback_server import PeerUnavailable


def cache_dir():
    return os.environ.get("CAIRN_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "cairn")


def package_folder(package, version):
    """Where package@version is (or will be) installed."""
    name = package.replace("@", "").replace("/", "-")
    return os.path.join(cache_dir(), "npm", f"{name}-{version}")


def entry_path(package, version, entry):
    return os.path.join(package_folder(package, version), "node_modules", package, entry)


def install(package, version, entry):
    """Installs package@version once; returns the path of `entry` in it."""
    target = package_folder(package, version)
    script = entry_path(package, version, entry)
    if os.path.isfile(script):
        return script
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        raise PeerUnavailable(f"{package} needs node and npm, and "
                              f"{'npm' if not npm else 'node'} is not installed "
                              "(scripts/deps.sh installs them)")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(script):
            return script
        staging = tempfile.mkdtemp(prefix=os.path.basename(target) + ".", dir=os.path.dirname(target))
        try:
            result = subprocess.run(
                [npm, "install", "--prefix", staging, "--no-audit", "--no-fund",
                 "--no-update-notifier", f"{package}@{version}"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
            if result.returncode != 0 or not os.path.isfile(
                    os.path.join(staging, "node_modules", package, entry)):
                tail = "\n".join(result.stdout.strip().splitlines()[-8:])
                raise PeerUnavailable(f"npm install {package}@{version} failed "
                                      f"(status {result.returncode}):\n{tail}")
            os.rename(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return script
