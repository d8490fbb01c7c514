#include <boost/test/unit_test.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <ATen/ATen.h>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint_io_fixtures.h"
#include "file_size_limit.h"

using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

const std::string kOldContents = "the previous checkpoint, which must survive";

// Incompressible bytes, so compressed formats also exceed a small size limit.
c10::IValue make_random_tree(int64_t bytes) {
  at::Generator generator = at::detail::createCPUGenerator(1234);
  auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  root.insert("noise", at::randint(0, 256, {bytes}, generator, at::kByte));
  return root;
}

void expect_failure_keeps_old_file(const c10::IValue& tree, const std::string& name) {
  TempDir dir;
  const std::string path = dir / name;
  write_bytes(path, kOldContents);
  try {
    write_checkpoint(tree, path);
    BOOST_FAIL("writing " << name << " should have failed");
  } catch (const cairn::CheckpointError& e) {
    const std::string m = e.what();
    BOOST_TEST(m.find(path) != std::string::npos, m);
    BOOST_TEST(m.find('\n') == std::string::npos, m);
  }
  BOOST_TEST(read_bytes(path) == kOldContents);
  BOOST_TEST(entries(dir.path()) == std::vector<std::string>{name});  // no temporary file remains
}

}  // namespace

BOOST_AUTO_TEST_SUITE(atomic_writes)

BOOST_AUTO_TEST_CASE(a_value_the_pickler_refuses_leaves_the_old_file) {
  auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  root.insert("weights", at::ones({4}));
  root.insert("pending", c10::make_intrusive<c10::ivalue::Future>(c10::IntType::get()));
  expect_failure_keeps_old_file(root, "ckpt.pt");
  expect_failure_keeps_old_file(root, "ckpt.tar.gz");
}

BOOST_AUTO_TEST_CASE(running_out_of_space_midway_leaves_the_old_file) {
  const c10::IValue tree = make_random_tree(int64_t{4} << 20);
  for (const std::string name : {"ckpt.pt", "ckpt.tar.gz", "ckpt.pt.zst", "ckpt.tar"}) {
    BOOST_TEST_CONTEXT("file " << name) {
      FileSizeLimit limit(1 << 20);
      expect_failure_keeps_old_file(tree, name);
    }
  }
}

// A writer killed mid-file (here by SIGXFSZ, as hard as SIGKILL) must not
// leave a partial or temporary file behind either.
BOOST_AUTO_TEST_CASE(a_writer_killed_midway_leaves_nothing_behind) {
  const c10::IValue tree = make_random_tree(int64_t{4} << 20);
  TempDir dir;
  const std::string path = dir / "ckpt.pt";
  write_bytes(path, kOldContents);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    rlimit limit{1 << 20, 1 << 20};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::signal(SIGXFSZ, SIG_DFL);
    try {
      write_checkpoint(tree, path);
    } catch (...) {
    }
    ::_exit(0);  // not reached when the signal kills the writer
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFSIGNALED(status));
  BOOST_TEST(read_bytes(path) == kOldContents);
  BOOST_TEST(entries(dir.path()) == std::vector<std::string>{"ckpt.pt"});
}

BOOST_AUTO_TEST_CASE(an_unwritable_folder_is_a_checkpoint_error_naming_the_path) {
  TempDir dir;
  write_bytes(dir / "not-a-folder", "x");
  for (const std::string path : {(dir / "not-a-folder/ckpt.pt"), (dir / "missing/ckpt.tar.gz")}) {
    BOOST_TEST_CONTEXT("path " << path) {
      try {
        write_checkpoint(make_sample_tree(), path);
        BOOST_FAIL("writing under " << path << " should have failed");
      } catch (const cairn::CheckpointError& e) {
        BOOST_TEST(std::string(e.what()).find(path) != std::string::npos, e.what());
      }
    }
  }
  BOOST_TEST(entries(dir.path()) == std::vector<std::string>{"not-a-folder"});
}

BOOST_AUTO_TEST_CASE(a_finished_file_has_ordinary_permissions) {
  TempDir dir;
  const mode_t mask = ::umask(022);
  write_checkpoint(make_sample_tree(), dir / "ckpt.pt");
  ::umask(mask);
  struct stat st {};
  BOOST_REQUIRE(::stat((dir / "ckpt.pt").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0644u);
}

BOOST_AUTO_TEST_SUITE_END()
