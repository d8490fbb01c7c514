// Issue 8, class 2: a run name (flag, config, RUN_NAME, COMPOSER_RUN_NAME)
// and every formatted file or object name stay inside their folder, or the
// run is refused before anything is written. Templates take only the fields
// their formatter fills, and any number of them.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "bad_input.h"

namespace fs = std::filesystem;

namespace cairn::test {

namespace {

bool folder_is_empty_but_for_runner_files(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name != ".cairn-stdout" && name != ".cairn-stderr") return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(names_inside_folder)

BOOST_AUTO_TEST_CASE(an_absolute_run_name_is_refused) {
  TempDir dir;
  const std::string outside = (dir.path() / "abs" / "x").string();
  const Result r = run_cairn(
      with(kSample, {"--run-name", outside, "--save-folder", "ckpt", "--save-filename", "{run_name}-ep{epoch}.pt"}),
      dir.path());
  expect_one_line_error(r, 2, {"--run-name", "'/'"});
  BOOST_TEST(!fs::exists(dir.path() / "abs"));
  BOOST_TEST(!fs::exists(dir.path() / "ckpt"));
}

BOOST_AUTO_TEST_CASE(run_names_from_the_environment_are_checked_too) {
  TempDir dir;
  const std::string evil = (dir.path() / "evil").string();
  const Result r = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-filename", "{run_name}.pt"}), dir.path(),
                             {{"RUN_NAME", evil}});
  expect_one_line_error(r, 2, {"RUN_NAME", "'/'"});
  BOOST_TEST(!fs::exists(evil + ".pt"));

  const Result composer = run_cairn(with(kSample, {"--save-folder", "{run_name}/ckpt"}), dir.path(),
                                    {{"COMPOSER_RUN_NAME", ".."}});
  expect_one_line_error(composer, 2, {"COMPOSER_RUN_NAME"});
  BOOST_TEST(folder_is_empty_but_for_runner_files(dir.path()));
}

BOOST_AUTO_TEST_CASE(control_characters_in_a_run_name_are_refused_in_one_line) {
  TempDir dir;
  const Result r = run_cairn(with(kSample, {"--run-name", "two\nlines", "--save-folder", "ckpt"}), dir.path());
  expect_one_line_error(r, 2, {"--run-name", "\\n"});
  const fs::path config = dir.path() / "config.json";
  std::ofstream(config) << R"({"run_name": "tab\there", "save_folder": "ckpt"})";
  const Result from_config = run_cairn(with(kSample, {"--config", config.string()}), dir.path());
  expect_one_line_error(from_config, 2, {"'run_name' in", "\\t"});
  BOOST_TEST(!fs::exists(dir.path() / "ckpt"));
}

BOOST_AUTO_TEST_CASE(a_filename_template_cannot_climb_out) {
  TempDir dir;
  fs::create_directories(dir.path() / "work");
  const Result r =
      run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-filename", "../escaped-ep{epoch}.pt"}), dir.path() / "work");
  expect_one_line_error(r, 2, {"save_filename", "'..'"});
  BOOST_TEST(!fs::exists(dir.path() / "work" / "escaped-ep1.pt"));

  const Result remote = run_cairn(
      with(kSample, {"--callback", R"(CheckpointSaver={"folder": "c", "remote_file_name": "../{run_name}/ep{epoch}.pt"})"}),
      dir.path() / "work");
  expect_one_line_error(remote, 2, {"remote_file_name", "'..'"});
}

BOOST_AUTO_TEST_CASE(a_save_folder_above_the_working_folder_is_still_fine) {
  TempDir dir;
  fs::create_directories(dir.path() / "work");
  const Result r = run_cairn(with(kSample, {"--save-folder", "../sibling"}), dir.path() / "work");
  BOOST_TEST_REQUIRE(r.status == 0, describe(r));
  BOOST_TEST(fs::exists(dir.path() / "sibling" / "ep1-ba8-rank0.pt"));
}

BOOST_AUTO_TEST_CASE(an_unknown_field_is_refused_as_composer_raises) {
  TempDir dir;
  const Result r = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-filename", "ep{epoch}-{foo}.pt"}), dir.path());
  expect_one_line_error(r, 2, {"save_filename", "{foo}"});
  BOOST_TEST(!fs::exists(dir.path() / "ckpt"));
}

BOOST_AUTO_TEST_CASE(many_fields_work) {
  TempDir dir;
  const Result r = run_cairn(
      with(kSample, {"--save-folder", "ckpt", "--save-filename",
                     "e{epoch}-b{batch}-s{sample}-t{token}-be{batch_in_epoch}-se{sample_in_epoch}-te{token_in_epoch}-"
                     "{epoch}-{batch}-{sample}1-{epoch}{batch}0-r{rank}.pt"}),
      dir.path());
  BOOST_TEST_REQUIRE(r.status == 0, describe(r));
  BOOST_TEST(fs::exists(dir.path() / "ckpt" / "e1-b8-s256-t0-be0-se0-te0-1-8-2561-180-r0.pt"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
