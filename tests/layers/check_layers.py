#!/usr/bin/env python3
"""Checks that the engine's includes point only down its layers.

Usage: check_layers.py ENGINE_DIR LAYER...   (top layer first, as
CAIRN_ENGINE_LAYERS in engine/CMakeLists.txt lists them)
       check_layers.py --self-test

A file belongs to the layer whose folder is the longest prefix of its path
(checkpoint/saver/x.cpp is in checkpoint/saver, checkpoint/io/y.cpp in
checkpoint). It may include from its own layer and from any layer after it in
the list, and the SDK ("cairn/..."). A folder in no layer is an error too, so
a new folder must be placed in the order. The engine also finds callbacks,
loggers and uploaders through their interfaces: a dynamic_cast or
dynamic_pointer_cast to one of those types is reported.
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
CAST = re.compile(r'dynamic(?:_pointer)?_cast\s*<\s*(?:const\s+)?([\w:]+)')
ROLE = re.compile(r'Callback|Logger|Destination|Uploader|Saver|Writer')


def layer_of(path, layers):
    best = None
    for layer in layers:
        if path == layer or path.startswith(layer + "/"):
            if best is None or len(layer) > len(best):
                best = layer
    return best


def check(engine_dir, layers):
    problems = []
    rank = {layer: i for i, layer in enumerate(layers)}
    for root, _, files in os.walk(engine_dir):
        for name in sorted(files):
            if not name.endswith((".h", ".cpp")):
                continue
            full = os.path.join(root, name)
            rel = os.path.relpath(full, engine_dir)
            if os.sep not in rel:
                continue  # engine/ itself holds only CMakeLists.txt
            own = layer_of(rel, layers)
            if own is None:
                problems.append(f"{rel}: its folder is in no layer; add it to CAIRN_ENGINE_LAYERS")
                continue
            text = open(full, encoding="utf-8").read()
            for match in INCLUDE.finditer(text):
                target = match.group(1)
                if target.startswith("cairn/") or "/" not in target:
                    continue
                line = text.count("\n", 0, match.start()) + 1
                theirs = layer_of(target, layers)
                if theirs is None:
                    problems.append(f"{rel}:{line}: includes \"{target}\" from a folder in no layer")
                elif rank[theirs] < rank[own]:
                    problems.append(f"{rel}:{line}: {own}/ includes \"{target}\" from the higher layer {theirs}/")
            for match in CAST.finditer(text):
                type_name = match.group(1).split("::")[-1]
                if not ROLE.search(type_name):
                    continue
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{rel}:{line}: casts to {type_name}; ask the object for its role "
                                "(Callback::as_logger_destination, as_checkpoint_writer) instead")
    return problems


def self_test():
    layers = ["cli", "trainer", "checkpoint/saver", "checkpoint", "core"]
    files = {
        "core/a.h": '#include "cairn/state.h"\n',
        "checkpoint/io/b.cpp": '#include "checkpoint/saver/s.h"\n#include "core/a.h"\n',
        "checkpoint/saver/s.h": '#include "checkpoint/io/b.h"\n',
        "trainer/t.cpp": '#include "trainer/t.h"\n#include "cli/c.h"\n'
                         'auto x = std::dynamic_pointer_cast<RemoteUploaderDownloader>(c);\n'
                         'auto y = dynamic_cast<const c10::Error*>(&e);\n',
        "stray/z.cpp": "\n",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in files.items():
            os.makedirs(os.path.join(tmp, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), "w", encoding="utf-8") as out:
                out.write(text)
        found = sorted(check(tmp, layers))
    expected = sorted([
        'checkpoint/io/b.cpp:1: checkpoint/ includes "checkpoint/saver/s.h" from the higher layer checkpoint/saver/',
        'trainer/t.cpp:2: trainer/ includes "cli/c.h" from the higher layer cli/',
        "trainer/t.cpp:3: casts to RemoteUploaderDownloader; ask the object for its role "
        "(Callback::as_logger_destination, as_checkpoint_writer) instead",
        "stray/z.cpp: its folder is in no layer; add it to CAIRN_ENGINE_LAYERS",
    ])
    if found != expected:
        print("self-test failed; found:\n  " + "\n  ".join(found), file=sys.stderr)
        return 1
    print("self-test passed: upward includes, role casts and unplaced folders are reported")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(argv[1], argv[2:])
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} include(s) or cast(s) break the engine's layers: " + " > ".join(argv[2:]),
              file=sys.stderr)
        return 1
    print("engine layers hold: " + " > ".join(argv[2:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
