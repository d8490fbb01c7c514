// Issue 8, class 6: bounded resources. A compressed checkpoint expands only
// up to the size its container declares and a limit the user can raise
// (CAIRN_MAX_DECOMPRESSED_BYTES); a remote save leaves nothing in TMPDIR once
// its uploads are confirmed, and says where its local copies are when not.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>

#include "bad_input.h"

namespace fs = std::filesystem;

namespace cairn::test {

namespace {

// Writes `script` (run with the output path as argv[1]) through Python.
void python(const std::string& script, const fs::path& out) {
  const fs::path file = out.parent_path() / "make.py";
  std::ofstream(file) << script;
  const std::string command = "/usr/bin/python3 '" + file.string() + "' '" + out.string() + "'";
  BOOST_REQUIRE_EQUAL(std::system(command.c_str()), 0);
  fs::remove(file);
}

// A zip header and 64 MiB of zeros in about 64 KiB: a small decompression
// bomb posing as a checkpoint. (Zeros alone read as an empty tar.)
void write_gzip_bomb(const fs::path& out) {
  python("import gzip, sys\n"
         "with gzip.open(sys.argv[1], 'wb') as f:\n"
         "    f.write(b'PK\\x03\\x04')\n"
         "    for _ in range(64): f.write(bytes(1 << 20))\n",
         out);
}

// A .tar.gz whose member composer_states.pt declares (and holds) 64 MiB.
void write_tar_bomb(const fs::path& out) {
  python("import io, tarfile, sys\n"
         "class Zeros(io.RawIOBase):\n"
         "    def __init__(self, n): self.left = n\n"
         "    def readinto(self, b):\n"
         "        n = min(len(b), self.left); b[:n] = bytes(n); self.left -= n; return n\n"
         "with tarfile.open(sys.argv[1], 'w:gz') as t:\n"
         "    info = tarfile.TarInfo('composer_states.pt'); info.size = 64 << 20\n"
         "    t.addfile(info, Zeros(info.size))\n",
         out);
}

std::vector<std::string> entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bounded_resources)

BOOST_AUTO_TEST_CASE(a_gzip_bomb_stops_at_the_limit) {
  TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  write_gzip_bomb(dir.path() / "bomb.pt.gz");
  const std::map<std::string, std::string> env = {{"TMPDIR", (dir.path() / "tmp").string()},
                                                  {"CAIRN_MAX_DECOMPRESSED_BYTES", "1048576"}};
  const Result r = run_cairn({"inspect", "bomb.pt.gz"}, dir.path(), env);
  expect_one_line_error(r, 1, {"bomb.pt.gz", "1048576", "CAIRN_MAX_DECOMPRESSED_BYTES"});
  BOOST_TEST(entries(dir.path() / "tmp").empty());
}

BOOST_AUTO_TEST_CASE(a_tar_member_declaring_too_much_is_refused_before_writing) {
  TempDir dir;
  write_tar_bomb(dir.path() / "bomb.pt.tar.gz");
  const Result r = run_cairn({"inspect", "bomb.pt.tar.gz"}, dir.path(), {{"CAIRN_MAX_DECOMPRESSED_BYTES", "1048576"}});
  expect_one_line_error(r, 1, {"bomb.pt.tar.gz", "declares a member of 67108864 bytes", "CAIRN_MAX_DECOMPRESSED_BYTES"});
}

BOOST_AUTO_TEST_CASE(the_limit_is_the_users_to_raise) {
  TempDir dir;
  const Result fit = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-filename", "ep{epoch}.pt.gz"}), dir.path());
  BOOST_TEST_REQUIRE(fit.status == 0, describe(fit));
  const Result low = run_cairn({"inspect", "ckpt/ep1.pt.gz"}, dir.path(), {{"CAIRN_MAX_DECOMPRESSED_BYTES", "100"}});
  expect_one_line_error(low, 1, {"ckpt/ep1.pt.gz", "CAIRN_MAX_DECOMPRESSED_BYTES"});
  const Result fine = run_cairn({"inspect", "ckpt/ep1.pt.gz"}, dir.path());
  BOOST_TEST(fine.status == 0, describe(fine));
  const Result bad = run_cairn({"inspect", "ckpt/ep1.pt.gz"}, dir.path(), {{"CAIRN_MAX_DECOMPRESSED_BYTES", "lots"}});
  expect_one_line_error(bad, 2, {"CAIRN_MAX_DECOMPRESSED_BYTES", "'lots'"});
}

BOOST_AUTO_TEST_CASE(a_remote_save_leaves_nothing_in_tmpdir) {
  TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  const Result r = run_cairn(with(kSample, {"--save-folder", "file://" + (dir.path() / "bucket" / "run").string(),
                                            "--max-duration", "2ep"}),
                             dir.path(), {{"TMPDIR", (dir.path() / "tmp").string()}});
  BOOST_TEST_REQUIRE(r.status == 0, describe(r));
  BOOST_TEST(fs::exists(dir.path() / "bucket" / "run" / "ep2-ba16-rank0.pt"));
  BOOST_TEST(entries(dir.path() / "tmp").empty(), "left in TMPDIR: " << entries(dir.path() / "tmp").size());
}

BOOST_AUTO_TEST_CASE(a_failed_remote_save_says_where_its_local_copies_are) {
  TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  std::ofstream(dir.path() / "blocker") << "a file where the bucket folder should be";
  const Result r = run_cairn(with(kSample, {"--save-folder", "file://" + (dir.path() / "blocker" / "run").string()}),
                             dir.path(), {{"TMPDIR", (dir.path() / "tmp").string()}});
  BOOST_TEST_REQUIRE(r.status != 0, describe(r));
  const auto kept = entries(dir.path() / "tmp");
  BOOST_TEST_REQUIRE(kept.size() == 1u, describe(r));
  const fs::path staging = dir.path() / "tmp" / kept.front();
  BOOST_TEST(kept.front().rfind("cairn-save-", 0) == 0u);
  // file:///abs/path: the store's root is '/', the object names are the path.
  BOOST_TEST(fs::exists(staging / (dir.path() / "blocker" / "run").relative_path() / "ep1-ba8-rank0.pt"));
  // The last line, the error, says where the copies are.
  const std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  BOOST_TEST(last.rfind("cairn: error: ", 0) == 0u, describe(r));
  BOOST_TEST(last.find(staging.string()) != std::string::npos, describe(r));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
