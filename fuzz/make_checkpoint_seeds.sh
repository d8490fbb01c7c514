#!/usr/bin/env bash
# Writes the checkpoint reader's seeds (fuzz/corpus/checkpoint_reader) with
# the real writers: `cairn fit` (a tiny MLP, in the plain, tar and compressed
# formats Cairn writes), Python's torch.save (/usr/bin/python3), and the tar,
# gzip, bzip2, xz, zstd and lz4 command-line tools.
#   fuzz/make_checkpoint_seeds.sh [CAIRN]   (default: build/bin/cairn)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cairn=${1:-$here/../build/bin/cairn}
out=$here/corpus/checkpoint_reader
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
cd "$work"
for name in 'cairn_ep{epoch}.pt' 'cairn_ep{epoch}.tar' 'cairn_ep{epoch}.tar.gz' 'cairn_ep{epoch}.pt.zst' \
            'cairn_ep{epoch}.pt.lz4' 'cairn_ep{epoch}.pt.xz'; do
  "$cairn" fit --model 'mlp={"in_features": 2, "hidden": [2], "classes": 2}' \
    --data 'synthetic={"samples": 4, "features": 2, "classes": 2, "batch_size": 4}' --max-duration 1ep \
    --save-folder ck --save-filename "$name" >/dev/null
done
cp ck/cairn_ep1.* "$out/"
/usr/bin/python3 - "$out" <<'PY'
import collections, sys, torch
out = sys.argv[1]
torch.save({"weight": torch.arange(6, dtype=torch.float32).reshape(2, 3), "step": 3}, f"{out}/torch_save_dict.pt")
state = collections.OrderedDict(a=torch.ones(2, dtype=torch.int64), b=torch.zeros(1, dtype=torch.float16))
torch.save({"state": {"model": state}, "rng": [1, 2.5, "x", None, True], "t": (1, 2)}, f"{out}/torch_save_nested.pt")
shared = torch.arange(4.0)
torch.save([shared, shared[1:3]], f"{out}/torch_save_views.pt")
torch.save(torch.ones(3), f"{out}/torch_save_legacy.pt", _use_new_zipfile_serialization=False)
torch.save({"state": {"model": state}, "views": [shared, shared[1:3]], "n": 3}, f"{out}/torch_save_legacy_dict.pt",
           _use_new_zipfile_serialization=False)
PY
cp "$out/torch_save_dict.pt" composer_states.pt
tar -cf "$out/torch_save.tar" composer_states.pt
tar -czf "$out/torch_save.tar.gz" composer_states.pt
tar -cjf "$out/torch_save.tar.bz2" composer_states.pt
for tool in gzip bzip2 xz zstd lz4; do
  "$tool" -c < composer_states.pt > "$out/torch_save.pt.$tool"
done
xz --format=lzma -c < composer_states.pt > "$out/torch_save.pt.lzma"
ls -l "$out"
