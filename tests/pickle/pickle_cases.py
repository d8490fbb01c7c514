"""Writes the restricted unpickler's test cases with Python's own torch.save,
and prints what each holds, in the form pickle_tests.cpp's describe() gives
for the tree Cairn reads (Cairn's representation of Python values: sets as
lists, timedelta as seconds, bytes as strings, unknown classes as objects).

Usage: pickle_cases.py FOLDER MARKER. MARKER is a file that the "evil" case
would create if anything in it were executed.
"""
import collections
import datetime
import math
import os
import sys

import numpy as np
import torch


class Thing:
    """A class only Python knows: pickled by NEWOBJ then BUILD with its __dict__."""

    def __init__(self):
        self.name = "thing"
        self.weights = torch.arange(4, dtype=torch.float32)


class Evil:
    """torch.load would run os.system(...) while unpickling this."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch " + self.marker,))


def containers():
    shared = ["memoized"]
    many = [f"s{i}" for i in range(1500)]
    return {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**32, 2**63 - 1, -2**63],
        "floats": [0.5, -1e300, 1.0 / 3.0, float("inf")],
        "text": "h\u00e9llo \u2603",
        "bytes": b"\x00\x01\xff",
        "none": None,
        "bools": (True, False),
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "nested": {"a": [{"b": (1, [2, {"c": 3}])}]},
        "empty": {"d": {}, "l": [], "t": ()},
        "int_keys": {0: "zero", 1: "one", -5: "minus five"},
        "set": {3, 1, 2},
        "frozenset": frozenset({"x"}),
        "shared": (shared, shared),
        "timedelta": datetime.timedelta(days=1, seconds=2, microseconds=3),
        "device": torch.device("cpu"),
        "size": torch.Size([2, 3]),
        "dtype": torch.float16,
        "function": math.sqrt,
        # Over 1,000 items (APPENDS in batches) and over 256 memoized strings
        # (LONG_BINPUT / LONG_BINGET).
        "many": many,
        "many_again": list(many),
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
    }


def tensors():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    state = torch.nn.Linear(3, 2).state_dict()  # an OrderedDict with a _metadata attribute
    return {
        "state_dict": state,
        "dtypes": [torch.arange(3, dtype=t) for t in (torch.float32, torch.float64, torch.float16, torch.bfloat16,
                                                        torch.int64, torch.int32, torch.int16, torch.int8,
                                                        torch.uint8)] + [torch.tensor([True, False])],
        "base": base,
        "view": base[1:, ::2],
        "row": base[2],
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
        "parameter": torch.nn.Parameter(torch.ones(2, 2)),
        "thing": Thing(),
    }


def numpy_state():
    np.random.seed(17)
    return {
        "numpy": np.random.get_state(),
        "matrix": np.arange(6, dtype=np.float64).reshape(2, 3) / 4,
        "int8": np.array([-1, 2, -3], dtype=np.int8),
        "float_scalar": np.float64(1.25),
        "int_scalar": np.int64(-7),
    }


def describe(value, path, lines, tensors):
    if isinstance(value, dict):
        lines.append(f"{path} dict {len(value)}")
        for key in sorted(value, key=str):
            describe(value[key], f"{path}/{key}", lines, tensors)
    elif isinstance(value, (set, frozenset)):
        lines.append(f"{path} list {len(value)}")
        for i, item in enumerate(value):
            describe(item, f"{path}/{i}", lines, tensors)
    elif isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        lines.append(f"{path} {kind} {len(value)}")
        for i, item in enumerate(value):
            describe(item, f"{path}/{i}", lines, tensors)
    elif isinstance(value, torch.Tensor):
        total = "%.17g" % value.double().sum().item()
        lines.append(f"{path} tensor {str(value.dtype)[len('torch.'):]} {list(value.shape)} "
                     f"stride={list(value.stride())} offset={value.storage_offset()} sum={total}")
        tensors.append((path, value))
    elif isinstance(value, np.ndarray):
        lines.append(f"{path} ndarray {value.dtype} {list(value.shape)} sum=" + "%.17g" % value.astype(np.float64).sum())
    elif value is None:
        lines.append(f"{path} None")
    elif isinstance(value, (bool, np.bool_)):
        lines.append(f"{path} bool {bool(value)}")
    elif isinstance(value, (int, np.integer)):
        lines.append(f"{path} int {int(value)}")
    elif isinstance(value, (float, np.floating)):
        lines.append(f"{path} float " + "%.17g" % float(value))
    elif isinstance(value, datetime.timedelta):
        seconds = value.days * 86400.0 + value.seconds + value.microseconds * 1e-6
        lines.append(f"{path} float " + "%.17g" % seconds)
    elif isinstance(value, str):
        lines.append(f"{path} str {value.encode('utf-8').hex()}")
    elif isinstance(value, bytes):
        lines.append(f"{path} str {value.hex()}")
    elif isinstance(value, torch.device):
        lines.append(f"{path} device {value}")
    elif isinstance(value, torch.dtype):
        lines.append(f"{path} str {str(value).encode().hex()}")
    elif callable(value) and hasattr(value, "__qualname__") and not isinstance(value, type):
        lines.append(f"{path} reference {value.__module__}.{value.__qualname__}")
    else:
        lines.append(f"{path} object {type(value).__module__}.{type(value).__qualname__}")


def description(root):
    lines, tensors = [], []
    describe(root, "root", lines, tensors)
    for i, (path_a, a) in enumerate(tensors):
        for path_b, b in tensors[i + 1:]:
            if a.storage().nbytes() > 0 and a.storage().data_ptr() == b.storage().data_ptr():
                lines.append(f"shared {path_a} {path_b}")
    return "\n".join(lines) + "\n"


def legacy(folder, cases):
    """torch.save's legacy format (every torch.save before 1.6): legacy_<case>.pt
    describes as <case>.txt does."""
    import tarfile
    for name in ("containers", "tensors", "numpy", "protocol4"):
        value, protocol = cases[name] if name.startswith("protocol") else (cases[name], 2)
        torch.save(value, os.path.join(folder, f"legacy_{name}.pt"), pickle_protocol=protocol,
                   _use_new_zipfile_serialization=False)
    # Compressed the way Composer compresses checkpoints (ep0.pt.tar.gz).
    with tarfile.open(os.path.join(folder, "legacy_tensors.pt.tar.gz"), "w:gz") as tar:
        tar.add(os.path.join(folder, "legacy_tensors.pt"), arcname="composer_states.pt")
    # The last storage's element count (the 8 bytes before its 400) made 99.
    path = os.path.join(folder, "legacy_bad_count.pt")
    torch.save({"w": torch.ones(100)}, path, _use_new_zipfile_serialization=False)
    with open(path, "r+b") as f:
        f.seek(-408, os.SEEK_END)
        assert int.from_bytes(f.read(8), "little") == 100
        f.seek(-408, os.SEEK_END)
        f.write((99).to_bytes(8, "little"))


def main(folder, marker):
    cases = {"containers": containers(), "tensors": tensors(), "numpy": numpy_state()}
    for protocol in (2, 3, 4, 5):
        small = {"t": torch.ones(3), "s": {1, 2}, "n": [None, 1.5, "x" * 300, b"y" * 300, b"z"], "big": 2**40}
        cases[f"protocol{protocol}"] = (small, protocol)
    for name, value in cases.items():
        value, protocol = value if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], int) else (value, 2)
        torch.save(value, os.path.join(folder, name + ".pt"), pickle_protocol=protocol)
        with open(os.path.join(folder, name + ".txt"), "w") as out:
            out.write(description(value))
    legacy(folder, cases)
    torch.save({"state": {"model": torch.nn.Linear(2, 2).state_dict(), "payload": Evil(marker)}},
               os.path.join(folder, "evil.pt"))
    # A storage record shorter than the pickle says: the archive rewritten
    # with data/0 cut to half its bytes.
    import zipfile
    torch.save({"w": torch.ones(100)}, os.path.join(folder, "whole.pt"))
    with zipfile.ZipFile(os.path.join(folder, "whole.pt")) as src, \
            zipfile.ZipFile(os.path.join(folder, "short_storage.pt"), "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("/data/0"):
                data = data[: len(data) // 2]
            dst.writestr(info.filename, data)
    # The pickle alone, for the truncation and mutation cases.
    with zipfile.ZipFile(os.path.join(folder, "tensors.pt")) as src:
        name = next(n for n in src.namelist() if n.endswith("/data.pkl"))
        with open(os.path.join(folder, "tensors.pkl"), "wb") as out:
            out.write(src.read(name))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
