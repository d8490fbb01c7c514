"""Prints, one per line, the given C++ sources that reach <torch/torch.h>
through their #include lines (followed through the project's own headers).

The build gives the torch precompiled header only to those files. Measured on
the project's 2-core machines (GCC 12, -O3): loading the 620 MB header costs
about 12 s of CPU in every translation unit, mostly in template instantiations
it carries, even for an empty file; a file that includes only ATen, c10 or
torch's narrower headers compiles 1.2-3x faster without it, and only a file
that includes all of torch.h (21 s by itself) gains from it.

Usage: torch_header_users.py ROOT... -- SOURCE...
ROOTs are the project's include folders; a quoted include is also looked up
beside the including file. Includes that resolve to no project file are taken
as system headers. Conditional includes count as included.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
FULL_TORCH = {"torch/torch.h", "torch/all.h"}


def main(argv):
    split = argv.index("--")
    roots, sources = argv[:split], argv[split + 1:]
    reaches = {}  # header path -> whether it reaches torch.h

    def resolve(name, folder, quoted):
        for base in ([folder] if quoted else []) + roots:
            path = os.path.normpath(os.path.join(base, name))
            if os.path.isfile(path):
                return path
        return None

    def reaches_torch(path, visiting):
        if path in reaches:
            return reaches[path]
        if path in visiting:
            return False  # a cycle: the header's guard makes the rest of it empty
        visiting.add(path)
        with open(path, errors="replace") as f:
            text = f.read()
        found = False
        for quote, name in INCLUDE.findall(text):
            if name in FULL_TORCH:
                found = True
                break
            header = resolve(name, os.path.dirname(path), quote == '"')
            if header is not None and reaches_torch(header, visiting):
                found = True
                break
        visiting.discard(path)
        reaches[path] = found
        return found

    for source in sources:
        if reaches_torch(os.path.normpath(source), set()):
            print(source)


if __name__ == "__main__":
    main(sys.argv[1:])
