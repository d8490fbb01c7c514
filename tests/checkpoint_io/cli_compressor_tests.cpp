// Composer compresses and decompresses `.pt.<x>` files with the command-line
// tools (`<tool> -dc FILE`); Cairn's in-process streams must be what those
// tools read and write.
#include <boost/test/unit_test.hpp>

#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint_io_fixtures.h"
#include "ivalue_compare.h"
#include "test_skip.h"

using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

struct Tool {
  std::string extension;
  std::string command;
};

const std::vector<Tool> kTools = {{"gz", "gzip"}, {"bz2", "bzip2"}, {"xz", "xz"},
                                  {"lzma", "lzma"}, {"zst", "zstd -q"}, {"lz4", "lz4 -q"}};

bool tool_exists(const Tool& tool) {
  int status = 0;
  run_command("command -v " + tool.command.substr(0, tool.command.find(' ')), status);
  return status == 0;
}

// The tools of kTools that are not installed, space-separated.
std::string missing_tools() {
  std::string missing;
  for (const Tool& tool : kTools) {
    if (!tool_exists(tool)) missing += (missing.empty() ? "" : " ") + tool.command.substr(0, tool.command.find(' '));
  }
  return missing;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_compressors)

BOOST_AUTO_TEST_CASE(composers_tools_decompress_what_cairn_writes) {
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  for (const Tool& tool : kTools) {
    if (!tool_exists(tool)) continue;
    BOOST_TEST_CONTEXT("tool " << tool.command) {
      const std::string packed = (dir / "w.pt." + tool.extension);
      const std::string unpacked = (dir / "w-" + tool.extension + ".pt");
      write_checkpoint(tree, packed);
      int status = 0;
      const std::string out = run_command(tool.command + " -dc '" + packed + "' > '" + unpacked + "'", status);
      BOOST_REQUIRE_MESSAGE(status == 0, out);
      BOOST_TEST(first_difference(tree, read_checkpoint(unpacked)) == "");
    }
  }
  // The installed tools were checked; a missing one is a skip, not a pass.
  if (const std::string missing = missing_tools(); !missing.empty()) CAIRN_SKIP_TEST("not installed: " << missing);
}

BOOST_AUTO_TEST_CASE(cairn_reads_what_composers_tools_compress) {
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  const std::string plain = dir / "plain.pt";
  write_checkpoint(tree, plain);
  for (const Tool& tool : kTools) {
    if (!tool_exists(tool)) continue;
    BOOST_TEST_CONTEXT("tool " << tool.command) {
      const std::string packed = (dir / "r.pt." + tool.extension);
      int status = 0;
      const std::string out = run_command(tool.command + " -c '" + plain + "' > '" + packed + "'", status);
      BOOST_REQUIRE_MESSAGE(status == 0, out);
      BOOST_TEST(first_difference(tree, read_checkpoint(packed)) == "");
    }
  }
  if (const std::string missing = missing_tools(); !missing.empty()) CAIRN_SKIP_TEST("not installed: " << missing);
}

BOOST_AUTO_TEST_SUITE_END()
