"""npm packages the tests run (servers, client libraries), installed pinned
into the cache folder once (stdlib only).

  install(package, version, entry) -> the folder holding node_modules/

The cache folder is $CAIRN_CACHE_DIR, default ~/.cache/cairn; each package
gets npm/<name>-<version>/ there. A lock keeps parallel tests from installing
twice, and an install is made in a staging folder and renamed into place, so a
half-done one is never used.
"""
import fcntl
import os
import shutil
import subprocess
import tempfile

from loopback_server import PeerUnavailable

INSTALL_TIMEOUT_S = 3600  # firebase-tools: ~700 packages, ~300 MB


def cache_dir():
    return os.environ.get("CAIRN_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "cairn")


def package_root(package, version):
    """The folder npm installs `package@version` into ('@scope/x' -> 'scope-x-V')."""
    safe = package.lstrip("@").replace("/", "-")
    return os.path.join(cache_dir(), "npm", f"{safe}-{version}")


def node():
    path = shutil.which("node")
    if not path:
        raise PeerUnavailable("node is not installed (scripts/deps.sh installs it)")
    return path


def install(package, version, entry):
    """Installs package@version once; returns the folder that holds its
    node_modules/. `entry` is a file inside node_modules/ (relative to it)
    whose presence means the install is complete. Raises PeerUnavailable when
    npm is missing or the install fails."""
    target = package_root(package, version)
    check = os.path.join(target, "node_modules", entry)
    if os.path.isfile(check):
        return target
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise PeerUnavailable(f"{package} needs node and npm, and "
                              f"{'npm' if not npm else 'node'} is not installed "
                              "(scripts/deps.sh installs them)")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(check):
            return target
        staging = tempfile.mkdtemp(prefix=os.path.basename(target) + ".", dir=os.path.dirname(target))
        try:
            try:
                result = subprocess.run(
                    [npm, "install", "--prefix", staging, "--no-audit", "--no-fund",
                     "--no-update-notifier", f"{package}@{version}"],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                    timeout=INSTALL_TIMEOUT_S)
            except subprocess.TimeoutExpired as e:
                raise PeerUnavailable(f"npm install {package}@{version} did not finish within "
                                      f"{INSTALL_TIMEOUT_S} s") from e
            if result.returncode != 0 or not os.path.isfile(
                    os.path.join(staging, "node_modules", entry)):
                tail = "\n".join(result.stdout.strip().splitlines()[-8:])
                raise PeerUnavailable(f"npm install {package}@{version} failed "
                                      f"(status {result.returncode}):\n{tail}")
            os.rename(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
