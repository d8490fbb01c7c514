"""Prints what Python's torch.load sees in checkpoint files, canonically.

Usage: describe_checkpoint.py HOW PATH [HOW PATH ...], HOW being
pt (torch.load the file), tar (member composer_states.pt of a tar, any
compression tarfile knows), gz, bz2, xz or lzma (a compressed torch.save).
The format must match describe_tree() in checkpoint_io_fixtures.cpp.
"""
import bz2
import gzip
import io
import lzma
import sys
import tarfile
import zipfile

import torch


def load(how, path):
    if how == "pt":
        # Python's own zip reader checks every record's CRC and the ZIP64 fields
        # independently of the one inside torch.
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise SystemExit(f"{path}: record {bad} fails its CRC check")
        return torch.load(path)
    if how == "tar":
        with tarfile.open(path) as archive:
            return torch.load(io.BytesIO(archive.extractfile("composer_states.pt").read()))
    opener = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open, "lzma": lzma.open}[how]
    with opener(path, "rb") as f:
        return torch.load(io.BytesIO(f.read()))


def walk(value, path, lines, tensors):
    if isinstance(value, dict):
        lines.append(f"{path} dict {len(value)}")
        for key in sorted(value):
            walk(value[key], f"{path}/{key}", lines, tensors)
    elif isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        lines.append(f"{path} {kind} {len(value)}")
        for i, item in enumerate(value):
            walk(item, f"{path}/{i}", lines, tensors)
    elif isinstance(value, torch.Tensor):
        total = "%.17g" % value.double().sum().item()
        lines.append(f"{path} tensor {str(value.dtype)[len('torch.'):]} {list(value.shape)} "
                     f"stride={list(value.stride())} offset={value.storage_offset()} sum={total}")
        tensors.append((path, value))
    elif value is None:
        lines.append(f"{path} None")
    elif isinstance(value, bool):
        lines.append(f"{path} bool {value}")
    elif isinstance(value, int):
        lines.append(f"{path} int {value}")
    elif isinstance(value, float):
        lines.append(f"{path} float " + "%.17g" % value)
    elif isinstance(value, str):
        lines.append(f"{path} str {value}")
    else:
        lines.append(f"{path} other {type(value).__name__}")


def describe(root):
    lines, tensors = [], []
    walk(root, "root", lines, tensors)
    for i, (path_a, a) in enumerate(tensors):
        for path_b, b in tensors[i + 1:]:
            if a.storage().nbytes() > 0 and a.storage().data_ptr() == b.storage().data_ptr():
                lines.append(f"shared {path_a} {path_b}")
    return "\n".join(lines)


def main(args):
    for how, path in zip(args[0::2], args[1::2]):
        print(f"== {path}")
        print(describe(load(how, path)))


if __name__ == "__main__":
    main(sys.argv[1:])
