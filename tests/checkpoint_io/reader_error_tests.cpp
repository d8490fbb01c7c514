#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <ATen/Functions.h>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint_io_fixtures.h"

using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

// Reading `path` must fail with one CheckpointError line naming the path and
// containing `expected`.
void expect_read_error(const std::string& path, const std::string& expected) {
  try {
    read_checkpoint(path);
    BOOST_FAIL("reading " << path << " should have failed");
  } catch (const cairn::CheckpointError& e) {
    const std::string m = e.what();
    BOOST_TEST_MESSAGE(m);
    BOOST_TEST(m.find("'" + path + "'") != std::string::npos, m);
    BOOST_TEST(m.find(expected) != std::string::npos, m);
    BOOST_TEST(m.find('\n') == std::string::npos, m);
  }
}

std::string pseudo_random_bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (char& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reader_errors)

BOOST_AUTO_TEST_CASE(missing_file) {
  TempDir dir;
  expect_read_error(dir / "nope.pt", "does not exist");
  std::filesystem::create_symlink("gone.pt", dir.path() / "latest.pt");  // dangling
  expect_read_error(dir / "latest.pt", "does not exist");
}

BOOST_AUTO_TEST_CASE(empty_file_and_folder) {
  TempDir dir;
  write_bytes(dir / "empty.pt", "");
  expect_read_error(dir / "empty.pt", "empty");
  expect_read_error(dir.path().string(), "is a folder, not a file");
}

BOOST_AUTO_TEST_CASE(truncated_files_in_every_family) {
  TempDir dir;
  for (const std::string name : {"cut.pt", "cut.tar", "cut.tar.gz", "cut.pt.zst", "cut.pt.lz4", "cut.tar.xz"}) {
    BOOST_TEST_CONTEXT("file " << name) {
      const std::string path = dir / name;
      // Big enough that half of any format cuts into the checkpoint's data.
      write_checkpoint(make_compressible_tree(), path);
      const std::string whole = read_bytes(path);
      write_bytes(path, whole.substr(0, whole.size() / 2));
      expect_read_error(path, "truncated or is not a checkpoint");
    }
  }
}

BOOST_AUTO_TEST_CASE(random_bytes_whatever_the_name) {
  TempDir dir;
  const std::string noise = pseudo_random_bytes(4096, 99);
  for (const std::string name : {"noise.pt", "noise.tar.gz", "noise.pt.zst"}) {
    write_bytes(dir / name, noise);
    expect_read_error(dir / name, "truncated or is not a checkpoint");
  }
  // Right magic bytes, wrong everything else.
  write_bytes(dir / "fake.pt.gz", std::string("\x1f\x8b", 2) + noise);
  expect_read_error(dir / "fake.pt.gz", "truncated or is not a checkpoint");
  write_bytes(dir / "fake.pt", std::string("PK\x03\x04", 4) + noise);
  expect_read_error(dir / "fake.pt", "truncated or is not a checkpoint");
}

BOOST_AUTO_TEST_CASE(tar_without_composer_states_member) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "inner");
  write_checkpoint(make_sample_tree(), (dir.path() / "inner" / "other.pt").string());
  int status = 0;
  const std::string out = run_command("tar -czf '" + (dir / "wrong.tar.gz") + "' -C '" +
                                          (dir.path() / "inner").string() + "' other.pt", status);
  BOOST_REQUIRE_MESSAGE(status == 0, out);
  expect_read_error(dir / "wrong.tar.gz", "composer_states.pt");
}

BOOST_AUTO_TEST_CASE(compressed_non_checkpoint) {
  TempDir dir;
  write_bytes(dir / "text.txt", "just some text, not a checkpoint\n");
  int status = 0;
  const std::string out = run_command("gzip -c '" + (dir / "text.txt") + "' > '" + (dir / "text.pt.gz") + "'", status);
  BOOST_REQUIRE_MESSAGE(status == 0, out);
  expect_read_error(dir / "text.pt.gz", "not a PyTorch checkpoint");
}

// LibTorch's unpickler cannot read what Python's pickler writes for one-item
// dicts (engineering-notes.md); the restricted unpickler reads it instead.
BOOST_AUTO_TEST_CASE(python_pickle_opcodes_libtorch_lacks_are_read_by_the_restricted_unpickler) {
  TempDir dir;
  const std::string path = dir / "from_python.pt";
  int status = 0;
  const std::string out = run_command(std::string(CAIRN_TEST_PYTHON) +
                                          " -c \"import torch; torch.save({'a': torch.ones(2)}, '" + path + "')\"",
                                      status);
  BOOST_REQUIRE_MESSAGE(status == 0, out);
  const c10::IValue root = cairn::checkpoint::read_checkpoint(path);
  BOOST_REQUIRE(root.isGenericDict());
  BOOST_TEST(root.toGenericDict().at("a").toTensor().equal(at::ones({2})));
}

BOOST_AUTO_TEST_SUITE_END()
