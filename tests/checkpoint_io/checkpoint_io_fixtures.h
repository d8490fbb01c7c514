// Shared pieces of the checkpoint I/O tests: a sample state tree, a canonical
// text description of a tree (also produced by describe_checkpoint.py from
// what Python's torch.load sees), temporary folders and file helpers.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/ivalue.h>

#include "temp_dir.h"

namespace cairn::test {

// A nested Composer-like state: dicts with string keys, lists, tuples,
// strings, ints, floats, bools, None, and tensors of float32, float64, int64,
// uint8, bool, bfloat16 and float16, a non-contiguous tensor, two views sharing
// one storage, an empty tensor and a 0-dim tensor. Values are small multiples
// of 1/4, so sums are exact whatever the summation order.
c10::IValue make_sample_tree();

// A tree that compresses well: one large tensor of a repeating pattern.
c10::IValue make_compressible_tree();

// One line per node, depth-first, dict keys sorted; tensors with dtype, shape,
// strides, storage offset and sum; then one "shared A B" line per pair of
// tensors that share a non-empty storage. Must match describe_checkpoint.py.
std::string describe_tree(const c10::IValue& root);

// Runs describe_checkpoint.py under Python's torch (CAIRN_TEST_PYTHON) on each
// (how, path) pair, "how" being pt|tar|gz|bz2|xz|lzma, and returns the
// descriptions in order. Fails the test (with Python's output) if it fails.
std::vector<std::string> describe_with_python(const std::vector<std::pair<std::string, std::string>>& files);

// Runs a shell command; returns its combined output and sets `status`.
std::string run_command(const std::string& command, int& status);

// Names of every entry in `folder`, sorted (hidden ones included).
std::vector<std::string> entries(const std::filesystem::path& folder);

std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);

}  // namespace cairn::test
