"""The Python side of the save benchmark: torch.save of the same tensors.

Usage: torch_save_peer.py SIZES PATH, SIZES being `cairn_bench_save sizes`'s
output. Prints key=value lines like cairn_bench_save write. The file is
fsynced after torch.save, as write_checkpoint does, so the timings compare.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from peak_memory import status_kib  # noqa: E402


def main(sizes_path, path):
    state = {}
    live = 0
    with open(sizes_path) as f:
        for i, line in enumerate(f):
            dtype, numel = line.split()
            t = torch.empty(int(numel), dtype=getattr(torch, dtype))
            t.fill_(i % 97)
            live += t.element_size() * t.numel()
            state[f"layer{i}"] = t
    root = {"state": state}
    rss_before = status_kib("VmRSS:")
    start = time.monotonic()
    torch.save(root, path)
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    seconds = time.monotonic() - start
    print(f"tensors={len(state)}")
    print(f"live_bytes={live}")
    print(f"file_bytes={os.path.getsize(path)}")
    print(f"seconds={seconds}")
    print(f"rss_before_write_kib={rss_before}")
    print(f"peak_rss_kib={status_kib('VmHWM:')}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
