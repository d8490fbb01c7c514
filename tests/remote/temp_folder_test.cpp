// The engine's one temporary-folder helper (core/temp_folder.h), which the
// save staging, upload staging, pointer, load and copy folders all come from.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cairn/errors.h"
#include "core/temp_folder.h"
#include "scoped_env.h"
#include "temp_dir.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(temp_folder)

BOOST_AUTO_TEST_CASE(makes_a_fresh_private_folder_under_tmpdir_with_the_prefix) {
  TempDir dir;
  ScopedEnv env("TMPDIR", dir.path().string());
  const fs::path a = make_temp_folder("cairn-x-", "for a test");
  const fs::path b = make_temp_folder("cairn-x-", "for a test");
  BOOST_TEST(a != b);
  for (const fs::path& p : {a, b}) {
    BOOST_TEST(p.parent_path() == dir.path());
    BOOST_TEST(p.filename().string().rfind("cairn-x-", 0) == 0u);
    BOOST_TEST(fs::is_directory(p));
    struct stat st {};
    BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);
  }
}

BOOST_AUTO_TEST_CASE(a_tmpdir_that_is_not_a_folder_is_named_in_one_line) {
  TempDir dir;
  const std::string file = dir / "a-file";
  std::ofstream(file) << "x";
  ScopedEnv env("TMPDIR", file);
  try {
    make_temp_folder("cairn-x-", "for the copy");
    BOOST_FAIL("expected an error");
  } catch (const Error& e) {
    const std::string text = e.what();
    BOOST_TEST(text.find("for the copy") != std::string::npos, text);
    BOOST_TEST(text.find(file) != std::string::npos, text);
    BOOST_TEST(text.find("set TMPDIR to a writable folder") != std::string::npos, text);
    BOOST_TEST(text.find('\n') == std::string::npos, text);
  }
  BOOST_TEST(fs::is_regular_file(file));
}

BOOST_AUTO_TEST_CASE(a_given_parent_holds_the_folder_and_is_named_when_it_cannot) {
  TempDir dir;
  const fs::path made = make_temp_folder(".cairn-x-", "for a test", dir.path().string());
  BOOST_TEST(made.parent_path() == dir.path());
  BOOST_TEST(made.filename().string().rfind(".cairn-x-", 0) == 0u);
  BOOST_TEST(fs::is_directory(made));

  const std::string missing = dir / "missing";
  try {
    make_temp_folder(".cairn-x-", "for the download", missing);
    BOOST_FAIL("expected an error");
  } catch (const Error& e) {
    const std::string text = e.what();
    BOOST_TEST(text.find("for the download") != std::string::npos, text);
    BOOST_TEST(text.find("'" + missing + "'") != std::string::npos, text);
    BOOST_TEST(text.find("check that the folder exists and is writable") != std::string::npos, text);
    BOOST_TEST(text.find('\n') == std::string::npos, text);
  }
  BOOST_TEST(!fs::exists(missing));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace cairn::test
