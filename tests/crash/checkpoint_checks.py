"""Independent checks of what a killed `cairn fit` left behind: Python's
zipfile and torch.load read every checkpoint under a final name, never Cairn.

A checkpoint is complete when every zip record reads back with its recorded
size and CRC-32 and torch.load gives a dict whose state holds a timestamp.
A sharded checkpoint folder is complete when torch's own distributed
checkpoint reader reads its .metadata, every item it lists is such a zip
inside its data file, and every data file has the SHA-256 that Cairn's
manifest in .metadata records.
"""
import hashlib
import io
import os
import sys
import zipfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sharded"))


class Broken(Exception):
    """A file under a final name that is not a complete checkpoint."""


def _check_zip(data, what):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                # Reading a record checks its CRC-32 and its size (zipfile raises
                # BadZipFile on either mismatch).
                if len(archive.read(info)) != info.file_size:
                    raise Broken(f"{what}: record {info.filename} is shorter than recorded")
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise Broken(f"{what}: not a complete zip archive ({e})") from e


def checkpoint_batch(data, what):
    """The batch of the complete checkpoint `data` (bytes); Broken otherwise."""
    _check_zip(data, what)
    try:
        root = torch.load(io.BytesIO(data), map_location="cpu")
        return int(root["state"]["timestamp"]["Timestamp"]["batch"])
    except Exception as e:  # torch.load raises many kinds
        raise Broken(f"{what}: torch.load failed ({type(e).__name__}: {e})") from e


def sharded_batch(folder):
    """The batch of the complete sharded checkpoint `folder`; Broken otherwise."""
    import dcp113_shim  # noqa: F401  (makes torch 1.13's reader importable on Python 3.11)
    import torch.distributed._shard.checkpoint as dcp
    try:
        metadata = dcp.FileSystemReader(folder).read_metadata()
    except Exception as e:  # a missing or torn .metadata
        raise Broken(f"{folder}: torch cannot read its .metadata ({type(e).__name__}: {e})") from e
    files, batch = {}, None
    for index, where in metadata.storage_data.items():
        what = f"{folder}: item {index.fqn} in {where.relative_path}"
        if where.relative_path not in files:
            try:
                files[where.relative_path] = read_bytes(os.path.join(folder, where.relative_path))
            except OSError as e:
                raise Broken(f"{what}: cannot read its data file ({e})") from e
        data = files[where.relative_path][where.offset:where.offset + where.length]
        if len(data) != where.length:
            raise Broken(f"{what}: the data file ends before the item does")
        _check_zip(data, what)
        if index.fqn == "state.timestamp.Timestamp.batch":
            batch = int(torch.load(io.BytesIO(data)))
    for name, digest in (getattr(metadata, "cairn_manifest", None) or {}).items():
        if name not in files:
            files[name] = read_bytes(os.path.join(folder, name))
        if hashlib.sha256(files[name]).hexdigest() != digest:
            raise Broken(f"{folder}: {name} does not have the SHA-256 its .metadata records")
    if batch is None:
        raise Broken(f"{folder}: no state.timestamp.Timestamp.batch item")
    return batch


class CheckedFiles:
    """Remembers files already found complete (by a key that changes when the
    file does), so each kill re-reads only what is new."""

    def __init__(self):
        self._batches = {}

    def batch(self, key, read, what, check=None):
        """`check(read())` (checkpoint_batch by default), once per `key`."""
        if key not in self._batches:
            self._batches[key] = check(read()) if check else checkpoint_batch(read(), what)
        return self._batches[key]


def local_key(path):
    st = os.stat(path)
    key = (path, st.st_ino, st.st_size, st.st_mtime_ns)
    if os.path.isdir(path):  # a sharded folder changes with the files in it
        key += tuple(sorted((n,) + local_key(os.path.join(path, n))[1:] for n in os.listdir(path)))
    return key


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()
