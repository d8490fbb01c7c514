# From shared/reference/distributed/py (torch 1.13 + Python 3.11), for sharded_peers.py.
"""Make torch 1.13's torch.distributed._shard importable on Python 3.11.

Python 3.11 rejects a dataclass field whose default is an instance of an
unhashable class (torch 1.13's ShardedTensorMetadata.tensor_properties =
TensorProperties()). Give torch's unhashable dataclasses object identity hash
while torch.distributed._shard is being imported, then restore dataclasses.
"""
import dataclasses
import importlib

_orig = dataclasses.dataclass


def _patched(cls=None, /, **kw):
    def wrap(c):
        out = _orig(c, **kw)
        if out.__hash__ is None and out.__module__.startswith('torch.distributed'):
            out.__hash__ = object.__hash__
        return out
    return wrap if cls is None else wrap(cls)


dataclasses.dataclass = _patched
try:
    importlib.import_module('torch.distributed._shard.checkpoint')
    importlib.import_module('torch.distributed._shard.sharded_tensor')
finally:
    dataclasses.dataclass = _orig
