#include <boost/test/unit_test.hpp>

#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_writer.h"
#include "checkpoint_io_fixtures.h"
#include "test_text.h"

using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

const std::string kZip64EndRecord("PK\x06\x06", 4);
const std::string kZip64Locator("PK\x06\x07", 4);

}  // namespace

BOOST_AUTO_TEST_SUITE(python_interop)

BOOST_AUTO_TEST_CASE(torch_load_sees_the_same_tree_in_plain_and_zip64_files) {
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  const std::string plain = dir / "plain.pt";
  const std::string zip64 = dir / "zip64.pt";
  write_checkpoint(tree, plain);
  write_checkpoint(tree, zip64, CheckpointWriteOptions{/*force_zip64=*/true});

  // The switch really changes the layout, and C++ reads both.
  BOOST_TEST(!contains(read_bytes(plain), kZip64EndRecord));
  BOOST_TEST(contains(read_bytes(zip64), kZip64EndRecord));
  BOOST_TEST(contains(read_bytes(zip64), kZip64Locator));
  BOOST_TEST(describe_tree(read_checkpoint(zip64)) == describe_tree(tree));

  const auto seen = describe_with_python({{"pt", plain}, {"pt", zip64}});
  const std::string expected = describe_tree(tree);
  BOOST_TEST(seen[0] == expected);
  BOOST_TEST(seen[1] == expected);
}

BOOST_AUTO_TEST_CASE(python_opens_tar_and_compressed_files_like_composer) {
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  const std::vector<std::pair<std::string, std::string>> files = {
      {"tar", (dir / "a.tar")},       {"tar", (dir / "a.tgz")},     {"tar", (dir / "a.tar.bz2")},
      {"tar", (dir / "a.tar.lzma")},  {"tar", (dir / "a.tar.xz")},  {"gz", (dir / "a.pt.gz")},
      {"bz2", (dir / "a.pt.bz2")},    {"xz", (dir / "a.pt.xz")},    {"lzma", (dir / "a.pt.lzma")},
  };
  for (const auto& file : files) write_checkpoint(tree, file.second);
  const auto seen = describe_with_python(files);
  const std::string expected = describe_tree(tree);
  for (size_t i = 0; i < files.size(); ++i) {
    BOOST_TEST_CONTEXT("file " << files[i].second) { BOOST_TEST(seen[i] == expected); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
