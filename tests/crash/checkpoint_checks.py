"""Independent checks of what a killed `cairn fit` left behind: Python's
zipfile and torch.load read every checkpoint under a final name, never Cairn.

A checkpoint is complete when every zip record reads back with its recorded
size and CRC-32 and torch.load gives a dict whose state holds a timestamp.
"""
import io
import os
import zipfile

import torch


class Broken(Exception):
    """A file under a final name that is not a complete checkpoint."""


def checkpoint_batch(data, what):
    """The batch of the complete checkpoint `data` (bytes); Broken otherwise."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                # Reading a record checks its CRC-32 and its size (zipfile raises
                # BadZipFile on either mismatch).
                if len(archive.read(info)) != info.file_size:
                    raise Broken(f"{what}: record {info.filename} is shorter than recorded")
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise Broken(f"{what}: not a complete zip archive ({e})") from e
    try:
        root = torch.load(io.BytesIO(data), map_location="cpu")
        return int(root["state"]["timestamp"]["Timestamp"]["batch"])
    except Exception as e:  # torch.load raises many kinds
        raise Broken(f"{what}: torch.load failed ({type(e).__name__}: {e})") from e


class CheckedFiles:
    """Remembers files already found complete (by a key that changes when the
    file does), so each kill re-reads only what is new."""

    def __init__(self):
        self._batches = {}

    def batch(self, key, read, what):
        if key not in self._batches:
            self._batches[key] = checkpoint_batch(read(), what)
        return self._batches[key]


def local_key(path):
    st = os.stat(path)
    return (path, st.st_ino, st.st_size, st.st_mtime_ns)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()
