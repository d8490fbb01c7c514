"""Python's torch 1.13 distributed checkpointing as the peer of tests/sharded.

  load FOLDER EXPECTED.pt   load_state_dict(no_dist) of the folder Cairn wrote into
                            zero tensors shaped like EXPECTED.pt's (a flat dict Cairn
                            wrote with torch.save's format); every value must equal it
  write FOLDER WORLD EXPECTED.pt
                            WORLD gloo ranks save_state_dict a state with a row-sharded
                            ShardedTensor, plain tensors and non-tensor values; the
                            full state goes to EXPECTED.pt (flat keys) for Cairn to compare
Prints one line; exit 0 when every check held.
"""
import datetime
import os
import subprocess
import sys
import tempfile

import importlib

importlib.import_module('dcp113_shim')  # makes 1.13's package importable on Python 3.11
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.distributed._shard.checkpoint as dcp  # noqa: E402


def load(folder, expected_path):
    expected = torch.load(expected_path)
    target = {k: torch.zeros_like(v) if isinstance(v, torch.Tensor) else None for k, v in expected.items()}
    dcp.load_state_dict(target, dcp.FileSystemReader(folder), no_dist=True)
    bad = []
    for k, v in expected.items():
        got = target[k]
        if isinstance(v, torch.Tensor):
            if got.dtype != v.dtype or got.shape != v.shape or not torch.equal(got, v):
                bad.append(k)
        elif got != v:
            bad.append(f'{k}: {got!r} != {v!r}')
    if bad:
        print('mismatch:', ', '.join(bad))
        sys.exit(1)
    print(f'ok {len(expected)} items')


def state(world):  # the same values in every rank and in EXPECTED.pt
    g = torch.Generator().manual_seed(11)
    return {
        'w': torch.randn(7, 3, generator=g),
        'b': torch.arange(5, dtype=torch.float64) / 3,
        'ids': torch.randint(-1000, 1000, (4, 2), generator=g),
        'scalar': torch.tensor(2.5),
        'step': 5,
        'meta': {'run_name': 'r', 'epoch': 1},
    }


def rank_main(rank, world, store, folder):
    from torch.distributed._shard.sharded_tensor import init_from_local_shards, Shard
    from torch.distributed._shard.metadata import ShardMetadata
    dist.init_process_group('gloo', init_method=f'file://{store}', rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=60))
    sd = state(world)
    full = sd['w']
    rows = [full.shape[0] // world + (1 if r < full.shape[0] % world else 0) for r in range(world)]
    start = sum(rows[:rank])
    local = full[start:start + rows[rank]].clone()
    sd['w'] = init_from_local_shards(
        [Shard(local, ShardMetadata([start, 0], [rows[rank], full.shape[1]], f'rank:{rank}/cpu'))], *full.shape)
    dcp.save_state_dict(sd, dcp.FileSystemWriter(folder, single_file_per_rank=True))
    dist.barrier()
    dist.destroy_process_group()


def write(folder, world, expected_path):
    store = tempfile.mktemp()
    procs = [subprocess.Popen([sys.executable, sys.argv[0], 'rank', str(r), str(world), store, folder])
             for r in range(world)]
    codes = [p.wait() for p in procs]
    if os.path.exists(store):
        os.remove(store)
    if any(codes):
        print('a rank failed:', codes)
        sys.exit(1)
    torch.save(state(world), expected_path)
    print('wrote', sorted(os.listdir(folder)))


if __name__ == '__main__':
    if sys.argv[1] == 'load':
        load(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'write':
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == 'rank':
        rank_main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
