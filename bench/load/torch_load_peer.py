"""The Python side of the load benchmark (bench/report.sh, row P4).

  torch_load_peer.py save PATH LAYERS WIDTH   torch.save of the training state
  torch_load_peer.py load PATH LAYERS WIDTH   times the load step: torch.load,
                                              model.load_state_dict and
                                              optimizer.load_state_dict

The state is cairn_bench_load's layout (`cairn_bench_load spec` gives LAYERS and
WIDTH): LAYERS Linear(WIDTH, WIDTH) layers and Adam after one step, saved as
{"state": {"model": ..., "optimizers": {"Adam": ...}}} as a Composer checkpoint
holds them. The load builds the model and a fresh Adam first, as a resumed run
has them, so only the load step is timed. Prints key=value lines as
cairn_bench_load does.
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from peak_memory import reset_peak_rss, status_kib  # noqa: E402


def make(layers, width):
    model = torch.nn.Sequential(*[torch.nn.Linear(width, width) for _ in range(layers)])
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def tensor_bytes(model, optimizer):
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    for param_state in optimizer.state.values():
        for value in param_state.values():
            if torch.is_tensor(value):
                total += value.numel() * value.element_size()
    return total


def save(path, layers, width):
    model, optimizer = make(layers, width)
    for p in model.parameters():
        p.grad = torch.full_like(p, 0.01)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    start = time.monotonic()
    torch.save({"state": {"model": model.state_dict(), "optimizers": {"Adam": optimizer.state_dict()}}}, path)
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    print(f"seconds={time.monotonic() - start}")
    print(f"live_bytes={tensor_bytes(model, optimizer)}")
    print(f"file_bytes={os.path.getsize(path)}")


def load(path, layers, width):
    model, optimizer = make(layers, width)
    rss_before = status_kib("VmRSS:")
    reset_peak_rss()
    start = time.monotonic()
    state = torch.load(path)["state"]
    read_seconds = time.monotonic() - start
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizers"]["Adam"])
    load_seconds = time.monotonic() - start
    peak = status_kib("VmHWM:")
    print(f"load_seconds={load_seconds}")
    print(f"read_seconds={read_seconds}")
    print(f"apply_seconds={load_seconds - read_seconds}")
    print(f"rss_before_load_kib={rss_before}")
    print(f"peak_rss_kib={peak}")
    print(f"live_bytes={tensor_bytes(model, optimizer)}")
    print(f"file_bytes={os.path.getsize(path)}")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in ("save", "load"):
        sys.exit(__doc__)
    torch.set_grad_enabled(False)
    {"save": save, "load": load}[sys.argv[1]](sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
