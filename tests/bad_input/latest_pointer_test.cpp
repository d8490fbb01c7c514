// Issue 8, class 1: the latest pointer never names a checkpoint, never leaves
// the save folder, and never replaces a file that is not its own symlink
// without --save-overwrite; refused before training, with nothing touched.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "bad_input.h"

namespace fs = std::filesystem;

namespace cairn::test {

BOOST_AUTO_TEST_SUITE(latest_pointer)

BOOST_AUTO_TEST_CASE(the_checkpoint_template_as_pointer_is_refused) {
  TempDir dir;
  const Result r = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-latest-filename",
                                            "ep{epoch}-ba{batch}-rank{rank}.pt"}),
                             dir.path());
  expect_one_line_error(r, 2, {"save_latest_filename", "can name a checkpoint"});
  BOOST_TEST(!fs::exists(dir.path() / "ckpt" / "ep1-ba8-rank0.pt"));
}

BOOST_AUTO_TEST_CASE(the_pointer_cannot_leave_the_folder) {
  TempDir dir;
  std::ofstream(dir.path() / "victim.txt") << "precious";
  const Result r =
      run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-latest-filename", "../victim.txt"}), dir.path());
  expect_one_line_error(r, 2, {"save_latest_filename", "'..'"});
  BOOST_TEST(fs::is_regular_file(fs::symlink_status(dir.path() / "victim.txt")));
  BOOST_TEST(read_file(dir.path() / "victim.txt") == "precious");
}

BOOST_AUTO_TEST_CASE(a_regular_file_at_the_pointer_name_needs_overwrite) {
  TempDir dir;
  fs::create_directories(dir.path() / "ckpt");
  std::ofstream(dir.path() / "ckpt" / "latest-rank0.pt") << "fetched with aws s3 cp";
  const Result r = run_cairn(with(kSample, {"--save-folder", "ckpt"}), dir.path());
  expect_one_line_error(r, 2, {"latest-rank0.pt", "regular file", "save_overwrite"});
  BOOST_TEST(read_file(dir.path() / "ckpt" / "latest-rank0.pt") == "fetched with aws s3 cp");
  BOOST_TEST(!fs::exists(dir.path() / "ckpt" / "ep1-ba8-rank0.pt"));

  const Result forced = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-overwrite"}), dir.path());
  BOOST_TEST_REQUIRE(forced.status == 0, describe(forced));
  BOOST_TEST(fs::read_symlink(dir.path() / "ckpt" / "latest-rank0.pt").string() == "ep1-ba8-rank0.pt");
}

BOOST_AUTO_TEST_CASE(the_remote_pointer_is_refused_the_same_way) {
  TempDir dir;
  const Result uri = run_cairn(with(kSample, {"--save-folder", "file://" + (dir.path() / "bucket").string(),
                                              "--save-latest-filename", "ep{epoch}-ba{batch}-rank{rank}.pt"}),
                               dir.path());
  expect_one_line_error(uri, 2, {"save_latest_filename", "can name a checkpoint"});
  BOOST_TEST(!fs::exists(dir.path() / "bucket"));

  const Result saver = run_cairn(
      with(kSample, {"--callback", R"(CheckpointSaver={"folder": "c", "remote_file_name": "r/ep{epoch}.pt",
                                      "latest_remote_file_name": "r/ep{epoch}.pt"})"}),
      dir.path());
  expect_one_line_error(saver, 2, {"--callback", "latest_remote_file_name", "can name a checkpoint"});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
