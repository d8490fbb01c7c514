"""Where a crash run saves: a local folder, or an S3 bucket on a loopback peer.

Each target lists what a killed run left (checkpoints under final names, each
checked complete, the batch the latest pointer names, temporary leftovers) and
says which phase of a save a running `cairn fit` is in, from the files it has
open (/proc/PID/fd).
"""
import os
import re

import checkpoint_checks

FINAL_NAME = re.compile(r"^ep(\d+)-ba(\d+)-rank0\.pt$")
SHARDED_NAME = re.compile(r"^ep(\d+)-ba(\d+)$")  # a sharded checkpoint's folder
METADATA = ".metadata"
LATEST = "latest-rank0.pt"
LOCK = ".cairn-lock"


class Snapshot:
    def __init__(self):
        self.batches = {}        # final name -> batch read from its contents
        self.latest = None       # batch the latest pointer names, None when there is none
        self.leftovers = set()   # temporary names left behind
        self.problems = []       # broken promises, one line each


def open_files(pid):
    links = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return links
    for fd in fds:
        try:
            links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return links


def _is_unnamed_temp(link, folder):
    # An O_TMPFILE file shows as "<folder>/#<inode> (deleted)" (or in a
    # sharded checkpoint's folder below it).
    return (link.startswith(folder + "/") and os.path.basename(link).startswith("#")
            and link.endswith(" (deleted)"))


def _is_named_temp(link, folder):
    name = os.path.basename(link)
    return link.startswith(folder + "/") and name.startswith(".") and ".tmp-" in name


def _check_final(snapshot, name, batch_of):
    match = FINAL_NAME.match(name) or SHARDED_NAME.match(name)
    if not match:
        snapshot.problems.append(f"unexpected file under a final name: {name}")
        return
    try:
        batch = batch_of()
    except checkpoint_checks.Broken as e:
        snapshot.problems.append(f"partial checkpoint under a final name: {e}")
        return
    if batch != int(match.group(2)):
        snapshot.problems.append(f"{name} holds batch {batch}")
    snapshot.batches[name] = batch


def _point_latest(snapshot, target_name, what):
    if target_name not in snapshot.batches:
        snapshot.problems.append(f"{what} names {target_name!r}, which is not a complete checkpoint")
    else:
        snapshot.latest = snapshot.batches[target_name]


class LocalTarget:
    kind = "local"

    def __init__(self, work, checked):
        self.work = work
        self.checked = checked
        self.folder = None
        self.tmp = os.path.join(work, "cairn-tmp")  # cairn's TMPDIR, where leftovers would show
        os.makedirs(self.tmp, exist_ok=True)

    def start_chain(self, index):
        self.folder = os.path.join(self.work, f"chain{index}")
        return self.folder

    def cairn_env(self):
        return {"TMPDIR": self.tmp}

    def snapshot(self):
        snap = Snapshot()
        names = os.listdir(self.folder) if os.path.isdir(self.folder) else []
        for name in sorted(names):
            path = os.path.join(self.folder, name)
            if name == LATEST:
                continue
            if name.startswith("."):
                if name != LOCK:
                    snap.leftovers.add(name)
                continue
            if os.path.isdir(path) and not os.path.lexists(os.path.join(path, METADATA)):
                # A sharded folder not published yet: no checkpoint, which the
                # pointer must never name and the next save of that batch replaces.
                snap.leftovers.add(name)
                continue
            if os.path.isdir(path):
                _check_final(snap, name, lambda: self.checked.batch(
                    checkpoint_checks.local_key(path), lambda: path, path,
                    check=checkpoint_checks.sharded_batch))
                continue
            _check_final(snap, name, lambda: self.checked.batch(
                checkpoint_checks.local_key(path), lambda: checkpoint_checks.read_bytes(path), path))
        latest = os.path.join(self.folder, LATEST)
        if os.path.lexists(latest):
            if not os.path.islink(latest):
                snap.problems.append(f"{latest} is not a symlink")
            else:
                _point_latest(snap, os.path.basename(os.readlink(latest)), latest)
        snap.leftovers |= {os.path.join("$TMPDIR", n) for n in os.listdir(self.tmp)}
        return snap

    def exists(self, chain, name):
        if name.startswith("$TMPDIR"):
            return os.path.lexists(name.replace("$TMPDIR", self.tmp, 1))
        path = os.path.join(self.work, f"chain{chain}", name)
        if SHARDED_NAME.match(name) and os.path.isdir(path):  # the name of an unpublished folder
            return not os.path.lexists(os.path.join(path, METADATA))  # is left over until published
        return os.path.lexists(path)

    def point_latest_at(self, name):
        """What a kill between a checkpoint's rename and the pointer's move leaves."""
        temp = os.path.join(self.folder, ".rewind")
        os.symlink(name, temp)
        os.replace(temp, os.path.join(self.folder, LATEST))

    def phase(self, pid):
        folder = os.path.realpath(self.folder)
        for link in open_files(pid):
            if _is_unnamed_temp(link, folder):
                return "writing"
            if _is_named_temp(link, folder):
                return "renaming"
        return None


class RemoteTarget:
    """s3://BUCKET/chainN on a loopback S3 peer; boto3 is the independent reader."""
    kind = "remote"

    def __init__(self, work, checked, peer):
        import boto3
        self.work = work
        self.checked = checked
        self.peer = peer
        self.prefix = None
        self.tmp = os.path.join(work, "cairn-tmp")  # cairn's TMPDIR: its local copies and staging
        os.makedirs(self.tmp, exist_ok=True)
        self.s3 = boto3.client("s3", endpoint_url=peer.endpoint, aws_access_key_id=peer.access_key,
                               aws_secret_access_key=peer.secret_key, region_name=peer.region)

    def start_chain(self, index):
        self.prefix = f"chain{index}"
        return f"s3://{self.peer.bucket}/{self.prefix}"

    def cairn_env(self):
        return dict(self.peer.client_env(), TMPDIR=self.tmp)

    def _get(self, key):
        return self.s3.get_object(Bucket=self.peer.bucket, Key=key)["Body"].read()

    def snapshot(self):
        snap = Snapshot()
        # No '/' in the listed prefix: moto refuses valid signatures of such listings
        # (tests/support/README.md); a chain's objects are picked out below.
        listing = self.s3.list_objects_v2(Bucket=self.peer.bucket, Prefix=self.prefix)
        objects = {o["Key"]: o["ETag"] for o in listing.get("Contents", [])
                   if o["Key"].startswith(self.prefix + "/")}
        pointer_key = f"{self.prefix}/{LATEST}.symlink"
        for key, etag in sorted(objects.items()):
            if key == pointer_key:
                continue
            name = key[len(self.prefix) + 1:]
            _check_final(snap, name, lambda: self.checked.batch(
                (key, etag), lambda: self._get(key), f"s3://{self.peer.bucket}/{key}"))
        if pointer_key in objects:
            target = self._get(pointer_key).decode(errors="replace")
            if not target.startswith(self.prefix + "/"):
                snap.problems.append(f"the pointer {pointer_key} names {target!r}, outside its folder")
            else:
                _point_latest(snap, target[len(self.prefix) + 1:], pointer_key)
        snap.leftovers = set(os.listdir(self.tmp))
        return snap

    def exists(self, chain, name):
        return os.path.lexists(os.path.join(self.tmp, name))

    def point_latest_at(self, name):
        """What a kill between a checkpoint's upload and the pointer's leaves."""
        self.s3.put_object(Bucket=self.peer.bucket, Key=f"{self.prefix}/{LATEST}.symlink",
                           Body=f"{self.prefix}/{name}".encode())

    def phase(self, pid):
        tmp = os.path.realpath(self.tmp)
        for link in open_files(pid):
            if not link.startswith(tmp + "/"):
                continue
            if link.endswith(" (deleted)") and "/#" in link:
                return "writing"
            if "/staged-" in link:
                return "uploading"
            if ".tmp-" in os.path.basename(link):
                return "renaming"
        return None
