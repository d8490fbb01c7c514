"""One rank of Python's side of bench/dist: torch 1.13 distributed checkpointing.

  dcp_peer.py save FOLDER MIB   save_state_dict(FileSystemWriter(single_file_per_rank=True))
  dcp_peer.py load FOLDER MIB   load_state_dict(FileSystemReader) of a folder another
                                world size may have written, then checks every value

Joined from RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT (gloo). The state is
cairn_bench_dist's, value for value, replicated on every rank; for the save each
tensor is a ShardedTensor of this rank's rows (the split Cairn's save_sharded
uses), so each rank writes ~1/N of the bytes as Cairn's ranks do. The load fills
plain full-size tensors on every rank, as ShardedReader.load() returns them.
Prints key=value lines as cairn_bench_dist does.
"""
import datetime
import importlib
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'sharded'))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
importlib.import_module('dcp113_shim')  # makes 1.13's package importable on Python 3.11
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.distributed._shard.checkpoint as dcp  # noqa: E402
from torch.distributed._shard.metadata import ShardMetadata  # noqa: E402
from torch.distributed._shard.sharded_tensor import Shard, init_from_local_shards  # noqa: E402

from peak_memory import reset_peak_rss, status_kib  # noqa: E402

TENSORS = 8
COLS = 1024


def make_tensor(i, mib):
    rows = mib * 32
    return torch.arange(rows * COLS, dtype=torch.int32).remainder_(251).to(torch.float32).add_(i).view(rows, COLS)


def row_range(rows, rank, world):  # chunk_boxes.cpp row_range
    base, extra = divmod(rows, world)
    return rank * base + min(rank, extra), base + (1 if rank < extra else 0)


def timed(phase, f):
    dist.barrier()
    reset_peak_rss()
    start = time.monotonic()
    f()
    dist.barrier()
    print(f'{phase}_seconds={time.monotonic() - start}')
    print(f'{phase}_peak_rss_kib={status_kib("VmHWM:")}')


def main(mode, folder, mib):
    dist.init_process_group('gloo', init_method='env://', timeout=datetime.timedelta(seconds=600))
    rank, world = dist.get_rank(), dist.get_world_size()
    print(f'rank={rank}\nworld={world}')
    if mode == 'save':
        sd = {}
        for i in range(TENSORS):
            full = make_tensor(i, mib)
            first, count = row_range(full.shape[0], rank, world)
            shard = Shard(full.narrow(0, first, count), ShardMetadata([first, 0], [count, COLS], f'rank:{rank}/cpu'))
            sd[f'layer{i}'] = init_from_local_shards([shard], *full.shape)
        print(f'rss_live_kib={status_kib("VmRSS:")}')
        timed('save', lambda: dcp.save_state_dict(sd, dcp.FileSystemWriter(folder, single_file_per_rank=True)))
    else:
        target = {f'layer{i}': torch.zeros(mib * 32, COLS) for i in range(TENSORS)}
        timed('load', lambda: dcp.load_state_dict(target, dcp.FileSystemReader(folder)))
        for i in range(TENSORS):
            if not torch.equal(target[f'layer{i}'], make_tensor(i, mib)):
                print(f'dcp_peer.py: rank {rank}: layer{i} differs from the state saved', file=sys.stderr)
                sys.exit(1)
        print('load_checked=1')
    dist.destroy_process_group()


if __name__ == '__main__':
    if len(sys.argv) != 4 or sys.argv[1] not in ('save', 'load'):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
