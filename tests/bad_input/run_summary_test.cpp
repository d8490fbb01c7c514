// Issue 8, class 10: the end-of-run line says what happened ("saved N
// checkpoints, kept M"), keeping none with nothing uploading warns, and a
// resume without --save-folder says nothing about the built-in saver's state.
#include <boost/test/unit_test.hpp>

#include "bad_input.h"

namespace fs = std::filesystem;

namespace cairn::test {

BOOST_AUTO_TEST_SUITE(run_summary)

BOOST_AUTO_TEST_CASE(saved_and_kept_are_counted_as_they_happened) {
  TempDir dir;
  const Result r = run_cairn(
      with(kSample, {"--save-folder", "ckpt", "--max-duration", "3ep", "--save-num-checkpoints-to-keep", "1"}), dir.path());
  BOOST_TEST_REQUIRE(r.status == 0, describe(r));
  BOOST_TEST(r.out.find("saved 3 checkpoints, kept 1; latest: ckpt/ep3-ba24-rank0.pt") != std::string::npos,
             describe(r));
}

BOOST_AUTO_TEST_CASE(keeping_none_locally_without_a_remote_warns) {
  TempDir dir;
  const Result r = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-num-checkpoints-to-keep", "0"}), dir.path());
  BOOST_TEST_REQUIRE(r.status == 0, describe(r));
  BOOST_TEST(r.err.find("save_num_checkpoints_to_keep is 0") != std::string::npos, describe(r));
  BOOST_TEST(r.err.find("no checkpoint will be kept") != std::string::npos, describe(r));
  BOOST_TEST(r.out.find("saved 1 checkpoint, kept 0") != std::string::npos, describe(r));

  // With a remote destination the local copies are meant to go: no warning.
  const Result remote = run_cairn(with(kSample, {"--save-folder", "file://" + (dir.path() / "bucket").string(),
                                                 "--save-num-checkpoints-to-keep", "0"}),
                                  dir.path());
  BOOST_TEST_REQUIRE(remote.status == 0, describe(remote));
  BOOST_TEST(remote.err.find("no checkpoint will be kept") == std::string::npos, describe(remote));
}

BOOST_AUTO_TEST_CASE(resuming_without_a_save_folder_is_quiet_about_the_saver) {
  TempDir dir;
  const Result first = run_cairn(with(kSample, {"--save-folder", "ckpt"}), dir.path());
  BOOST_TEST_REQUIRE(first.status == 0, describe(first));
  const Result resumed =
      run_cairn(with(kSample, {"--load-path", "ckpt/ep1-ba8-rank0.pt", "--max-duration", "2ep"}), dir.path());
  BOOST_TEST_REQUIRE(resumed.status == 0, describe(resumed));
  BOOST_TEST(resumed.err.find("CheckpointSaver") == std::string::npos, describe(resumed));
  BOOST_TEST(resumed.out.find("saved") == std::string::npos, describe(resumed));  // nothing to say: no saver
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
